// SPDX-License-Identifier: MIT
// Part of taskhub.
// Doorbells: a futex word per rank in a shared-memory window.
#include "transport/doorbell.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <new>

#include "core/mpi_check.hpp"
#include "transport/node_ranks.hpp"

namespace taskhub::detail {
namespace {

constexpr MPI_Aint bell_bytes = 64;  // a cache line each, so bells do not share one
constexpr MPI_Aint rank_bytes = 2 * bell_bytes;  // the doorbell's line, then the heartbeat's
static_assert(sizeof(heartbeat) <= bell_bytes, "a heartbeat fits in its cache line");

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "a doorbell must be a plain 32-bit word for the futex");

}  // namespace

doorbells::doorbells(MPI_Comm comm) {
  int size = 0;
  MPI_Comm_rank(comm, &me_);
  MPI_Comm_size(comm, &size);
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, me_, MPI_INFO_NULL, &node_),
            "MPI_Comm_split_type");
  void* mine = nullptr;
  check_mpi(MPI_Win_allocate_shared(rank_bytes, 1, MPI_INFO_NULL, node_, &mine, &window_),
            "MPI_Win_allocate_shared");
  new (mine) std::atomic<std::uint32_t>(0);
  new (static_cast<char*>(mine) + bell_bytes) heartbeat();
  check_mpi(MPI_Barrier(node_), "MPI_Barrier");

  // Which rank of `comm` is each rank of the node?
  int node_size = 0;
  MPI_Comm_size(node_, &node_size);
  const std::vector<int> comm_ranks = ranks_in(node_, comm);

  is_node_local_ = node_size == size;
  bells_.assign(static_cast<std::size_t>(size), nullptr);
  beats_.assign(static_cast<std::size_t>(size), nullptr);
  for (int i = 0; i < node_size; ++i) {
    MPI_Aint bytes = 0;
    int unit = 0;
    void* base = nullptr;
    check_mpi(MPI_Win_shared_query(window_, i, &bytes, &unit, &base), "MPI_Win_shared_query");
    const auto r = static_cast<std::size_t>(comm_ranks[static_cast<std::size_t>(i)]);
    bells_[r] = static_cast<std::atomic<std::uint32_t>*>(base);
    beats_[r] = reinterpret_cast<heartbeat*>(static_cast<char*>(base) + bell_bytes);
  }
}

doorbells::~doorbells() {
  if (window_ != MPI_WIN_NULL) MPI_Win_free(&window_);
  if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
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
