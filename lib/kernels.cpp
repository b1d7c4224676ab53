// SPDX-License-Identifier: MIT
// Part of taskhub.
// The MPI parts of the kernels, compiled once.
#include <mpi.h>

#include "taskhub/error.hpp"
#include "taskhub/kernels/partition.hpp"

namespace taskhub::kernels::detail {
namespace {

constexpr int halo_tag = 4242;

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw taskhub::mpi_error(what, code, "in the partition kernel's exchange");
}

}  // namespace

std::map<int, bytes> exchange(MPI_Comm comm, const std::map<int, bytes>& out) {
  std::vector<MPI_Request> sends;
  sends.reserve(out.size());
  for (const auto& [peer, buffer] : out) {
    sends.emplace_back();
    check(MPI_Isend(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, peer, halo_tag, comm,
                    &sends.back()),
          "MPI_Isend");
  }
  std::map<int, bytes> in;
  for (const auto& [peer, buffer] : out) {
    MPI_Status status;
    check(MPI_Probe(peer, halo_tag, comm, &status), "MPI_Probe");
    int size = 0;
    MPI_Get_count(&status, MPI_BYTE, &size);
    auto& into = in[peer];
    into.resize(static_cast<std::size_t>(size));
    check(MPI_Recv(into.data(), size, MPI_BYTE, peer, halo_tag, comm, MPI_STATUS_IGNORE), "MPI_Recv");
  }
  check(MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  return in;
}

double max_over(MPI_Comm comm, double value) {
  double all = 0;
  check(MPI_Allreduce(&value, &all, 1, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce");
  return all;
}

}  // namespace taskhub::kernels::detail
