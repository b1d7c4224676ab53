// SPDX-License-Identifier: MIT
// Part of taskhub.
// The MPI parts of the kernels, compiled once.
#include <mpi.h>

#include "core/mpi_check.hpp"
#include "taskhub/error.hpp"
#include "taskhub/kernels/partition.hpp"

namespace taskhub::kernels::detail {

using taskhub::detail::check_mpi;
namespace {

constexpr int halo_tag = 4242;

}  // namespace

std::map<int, bytes> transfer(MPI_Comm comm, const std::map<int, bytes>& out, const std::vector<int>& from) {
  std::vector<MPI_Request> sends;
  sends.reserve(out.size());
  for (const auto& [peer, buffer] : out) {
    sends.emplace_back();
    check_mpi(MPI_Isend(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, peer, halo_tag, comm,
                    &sends.back()),
          "MPI_Isend");
  }
  std::map<int, bytes> in;
  for (int peer : from) {
    MPI_Status status;
    check_mpi(MPI_Probe(peer, halo_tag, comm, &status), "MPI_Probe");
    int size = 0;
    MPI_Get_count(&status, MPI_BYTE, &size);
    auto& into = in[peer];
    into.resize(static_cast<std::size_t>(size));
    check_mpi(MPI_Recv(into.data(), size, MPI_BYTE, peer, halo_tag, comm, MPI_STATUS_IGNORE), "MPI_Recv");
  }
  check_mpi(MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  return in;
}

std::vector<int> rebalanced(MPI_Comm comm, const std::vector<int>& owner, double busy_seconds) {
  int engines = 1;
  MPI_Comm_size(comm, &engines);
  std::vector<double> busy(static_cast<std::size_t>(engines));
  check_mpi(MPI_Allgather(&busy_seconds, 1, MPI_DOUBLE, busy.data(), 1, MPI_DOUBLE, comm), "MPI_Allgather");
  const auto e_count = static_cast<std::size_t>(engines);
  std::vector<int> held(e_count, 0);
  for (int o : owner) ++held[static_cast<std::size_t>(o)];
  double mean = 0, slowest = 0;
  for (double b : busy) {
    mean += b / engines;
    slowest = std::max(slowest, b);
  }
  if (mean <= 0 || slowest < 1.15 * mean) return owner;
  // Speed in pieces per second; an engine without pieces is taken to be as fast as the mean.
  std::vector<double> speed(e_count);
  double total_pieces = 0, total_busy = 0;
  for (std::size_t e = 0; e < e_count; ++e) {
    total_pieces += held[e];
    total_busy += busy[e];
  }
  const double mean_speed = total_pieces / std::max(total_busy, 1e-12);
  double total_speed = 0;
  for (std::size_t e = 0; e < e_count; ++e) {
    speed[e] = held[e] > 0 && busy[e] > 0 ? held[e] / busy[e] : mean_speed;
    total_speed += speed[e];
  }
  std::vector<double> target(e_count);
  for (std::size_t e = 0; e < e_count; ++e) target[e] = total_pieces * speed[e] / total_speed;
  // Move single pieces from the most over-target engine to the most under-target one while that
  // brings both closer; every engine computes the same moves from the same numbers.
  std::vector<int> next = owner;
  for (std::size_t guard = 0; guard < owner.size(); ++guard) {
    std::size_t over = 0, under = 0;
    for (std::size_t e = 1; e < e_count; ++e) {
      if (held[e] - target[e] > held[over] - target[over]) over = e;
      if (target[e] - held[e] > target[under] - held[under]) under = e;
    }
    if (held[over] - target[over] < 0.5 || target[under] - held[under] < 0.5 || held[over] <= 1) break;
    for (std::size_t i = next.size(); i-- > 0;)
      if (next[i] == static_cast<int>(over)) {
        next[i] = static_cast<int>(under);
        break;
      }
    --held[over];
    ++held[under];
  }
  return next;
}

double max_over(MPI_Comm comm, double value) {
  double all = 0;
  check_mpi(MPI_Allreduce(&value, &all, 1, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce");
  return all;
}

}  // namespace taskhub::kernels::detail
