// SPDX-License-Identifier: MIT
// Part of taskhub.
#include <climits>
#include <cstdlib>
#include <string>

#include "doorbell.hpp"
#include "taskhub/detail/runtime.hpp"
#include "transport.hpp"

namespace taskhub::detail {

void check_mpi(int rc, const char* routine) {
  if (rc == MPI_SUCCESS) return;
  int error_class = 0, len = 0;
  char text[MPI_MAX_ERROR_STRING];
  MPI_Error_class(rc, &error_class);
  MPI_Error_string(rc, text, &len);
  throw mpi_error(routine, error_class, std::string(text, static_cast<std::size_t>(len)));
}

namespace {
std::chrono::microseconds env_us(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return std::chrono::microseconds(v ? std::atol(v) : fallback);
}
}  // namespace

std::chrono::microseconds backoff::yield_for() {
  static const auto us = env_us("TASKHUB_YIELD_US", 2000);
  return us;
}
std::chrono::microseconds mpi_transport::longest_nap() const {
  // Peers on other nodes cannot ring our doorbell: nap briefly so their messages wait little.
  return std::chrono::microseconds(bells_.is_node_local() ? 50000 : 1000);
}

mpi_transport::mpi_transport(MPI_Comm comm, int tag, doorbells& bells)
    : comm_(comm), tag_(tag), bells_(bells) {
  MPI_Comm_rank(comm, &rank_);
}

mpi_transport::~mpi_transport() {
  for (auto& p : sending_) MPI_Request_free(&p.request);
}

void mpi_transport::start(pending& p, const char* data, std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw error("a batch of " + std::to_string(n) + " bytes exceeds MPI's 2 GiB message limit");
  check_mpi(MPI_Isend(data, static_cast<int>(n), MPI_BYTE, p.dest, tag_, comm_, &p.request),
            "MPI_Isend");
  bells_.ring(p.dest);
}

void mpi_transport::send(int dest, bytes msg) {
  sending_.push_back({MPI_REQUEST_NULL, dest, std::move(msg), nullptr});
  auto& p = sending_.back();
  start(p, p.data.data(), p.data.size());
}

void mpi_transport::send_borrowed(int dest, const bytes& data, std::shared_ptr<const void> owner) {
  sending_.push_back({MPI_REQUEST_NULL, dest, bytes(), std::move(owner)});
  start(sending_.back(), data.data(), data.size());
}

bool mpi_transport::has_message() {
  int flag = 0;
  check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, tag_, comm_, &flag, MPI_STATUS_IGNORE), "MPI_Iprobe");
  return flag != 0;
}

void mpi_transport::idle(std::chrono::microseconds most) {
  bells_.sleep(most, [&] { return is_woken_.exchange(false) || has_message(); });
}

// A wake-up between the caller's last look and the doorbell being armed is kept in is_woken_.
void mpi_transport::wake() {
  is_woken_.store(true);
  bells_.ring(rank_);
}

bool mpi_transport::poll(int& source, bytes& msg) {
  int flag = 0;
  MPI_Message handle;
  MPI_Status status;
  check_mpi(MPI_Improbe(MPI_ANY_SOURCE, tag_, comm_, &flag, &handle, &status), "MPI_Improbe");
  if (!flag) return false;
  int count = 0;
  check_mpi(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  if (msg.capacity() < static_cast<std::size_t>(count)) msg = take_buffer(static_cast<std::size_t>(count));
  msg.resize(static_cast<std::size_t>(count));
  check_mpi(MPI_Mrecv(msg.data(), count, MPI_BYTE, &handle, MPI_STATUS_IGNORE), "MPI_Mrecv");
  source = status.MPI_SOURCE;
  return true;
}

bool mpi_transport::progress() {
  while (!sending_.empty()) {
    int done = 0;
    check_mpi(MPI_Test(&sending_.front().request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (!done) break;
    bells_.ring(sending_.front().dest);  // in case the data left after the ring in send()
    recycle_buffer(std::move(sending_.front().data));
    sending_.pop_front();
  }
  return !sending_.empty();
}

}  // namespace taskhub::detail
