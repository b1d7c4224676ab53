// SPDX-License-Identifier: MIT
// Part of taskhub.
// Doorbells let a rank sleep in the kernel instead of polling MPI, and let a sender on the same
// node wake it at once. Each rank owns one 32-bit word in the node's shared memory; a sleeper
// sets its word to 1 and waits on it with a futex; a sender that finds 1 there after sending
// resets it and wakes the sleeper. Peers on other nodes have no doorbell: their messages are
// found when the sleeper's nap ends. Beside each doorbell lies the rank's heartbeat, which the
// hub's watchdog reads.
#pragma once

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "transport/node_memory.hpp"

namespace taskhub::detail {

/// What a rank shows the hub's watchdog: counters that move while it lives.
struct heartbeat {
  std::atomic<std::uint64_t> process{0};  // a thread of the process beats while it is scheduled
  std::atomic<std::uint64_t> turns{0};    // the engine's loop turns
};

class doorbells {
 public:
  /// Collective over `comm`: every rank makes its doorbell and maps those of its node.
  explicit doorbells(MPI_Comm comm);
  doorbells(const doorbells&) = delete;
  doorbells& operator=(const doorbells&) = delete;

  /// Whether every rank of the communicator shares this node (and so has a doorbell).
  bool is_node_local() const { return is_node_local_; }
  /// The heartbeat of `rank`, or null for a rank on another node.
  heartbeat* heartbeat_of(int rank) const { return beats_[static_cast<std::size_t>(rank)]; }
  /// Wakes `rank` if it sleeps on its doorbell (no-op for ranks on other nodes).
  void ring(int rank);
  /// Sleeps on this rank's doorbell up to `most`, unless `has_work()` holds once the doorbell is
  /// armed (which closes the race with a sender that checked before we armed it).
  template <class HasWork>
  void sleep(std::chrono::microseconds most, HasWork&& has_work) {
    std::atomic<std::uint32_t>& bell = *bells_[static_cast<std::size_t>(me_)];
    bell.exchange(1);
    if (!has_work()) wait(bell, most);
    bell.store(0);
  }

 private:
  static void wait(std::atomic<std::uint32_t>& bell, std::chrono::microseconds most);

  node_memory memory_;
  int me_ = 0;
  bool is_node_local_ = false;
  std::vector<std::atomic<std::uint32_t>*> bells_;  // by rank of `comm`; null off-node
  std::vector<heartbeat*> beats_;                   // the same
};

}  // namespace taskhub::detail
