// SPDX-License-Identifier: MIT
// Part of taskhub.
// Doorbells: a futex word per rank in the node's shared memory.
#include "transport/doorbell.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/mpi_check.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t bell_bytes = 64;  // a cache line each, so bells do not share one
constexpr std::size_t rank_bytes = 2 * bell_bytes;  // the doorbell's line, then the heartbeat's
static_assert(sizeof(heartbeat) <= bell_bytes, "a heartbeat fits in its cache line");

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "a doorbell must be a plain 32-bit word for the futex");

}  // namespace

doorbells::doorbells(MPI_Comm comm)
    : memory_(comm, [](const std::vector<int>&) { return static_cast<std::size_t>(rank_bytes); }) {
  int size = 0;
  MPI_Comm_rank(comm, &me_);
  MPI_Comm_size(comm, &size);
  // Zeroed shared memory holds a silent doorbell and a heartbeat at 0: nothing to construct.
  is_node_local_ = memory_.node_size() == size;
  bells_.assign(static_cast<std::size_t>(size), nullptr);
  beats_.assign(static_cast<std::size_t>(size), nullptr);
  for (int r : memory_.ranks()) {
    char* part = memory_.part_of(r);
    bells_[static_cast<std::size_t>(r)] = reinterpret_cast<std::atomic<std::uint32_t>*>(part);
    beats_[static_cast<std::size_t>(r)] = reinterpret_cast<heartbeat*>(part + bell_bytes);
  }
}

void doorbells::ring(int rank) {
  auto* bell = bells_[static_cast<std::size_t>(rank)];
  if (!bell) return;
  // The message written before this ring must be visible before the bell is read, or a sleeper
  // arming its bell meanwhile could miss both. Then a read: most rings find nobody asleep, and a
  // read leaves the line shared.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (bell->load(std::memory_order_relaxed) == 1 && bell->exchange(0) == 1)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(bell), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

void doorbells::wait(std::atomic<std::uint32_t>& bell, std::chrono::microseconds most) {
  timespec ts{static_cast<time_t>(most.count() / 1000000),
              static_cast<long>(most.count() % 1000000) * 1000};
  // Returns at once if the bell no longer reads 1 (rung already), on a ring, or at the timeout.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&bell), FUTEX_WAIT, 1, &ts, nullptr, 0);
}

}  // namespace taskhub::detail
