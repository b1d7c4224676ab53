// SPDX-License-Identifier: MIT
// Part of taskhub.
// Lanes carry messages between the hub and the engines on its node through shared memory, so a
// message costs two copies and no MPI call. Each lane is a ring with one writer and one reader,
// living in the reader's part of the node's shared memory. A message too large for a lane goes
// through MPI, and the lane carries a marker in its place so the reader keeps the sender's order.
#pragma once

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "transport/node_memory.hpp"

namespace taskhub::detail {

/// One ring in shared memory. Only one thread at a time writes, and only one reads.
class lane {
 public:
  enum class kind : std::uint32_t { message = 1, via_mpi = 2, wrap = 3 };
  struct entry {
    kind what;
    const char* data;
    std::size_t size;
  };

  /// Formats `bytes` of shared memory (a header and a power-of-two ring) as an empty lane.
  static lane* format(void* at, std::size_t bytes);
  /// The largest message a lane takes; larger ones go through MPI.
  std::size_t largest() const { return capacity_ / 4; }

  /// Appends one entry; false if the lane has no room now.
  bool write(kind what, const void* data, std::size_t size);
  /// The oldest entry, if any, left in place until pop().
  bool peek(entry& e);
  void pop();
  /// Whether an entry waits; safe from any thread.
  bool is_empty() const {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_relaxed);
  }

 private:
  char* ring() { return reinterpret_cast<char*>(this) + sizeof(lane); }
  std::size_t room(std::size_t need);

  alignas(64) std::atomic<std::uint64_t> head_;  // written by the writer
  std::uint64_t capacity_;
  alignas(64) std::atomic<std::uint64_t> tail_;  // written by the reader
  alignas(64) std::uint64_t writer_tail_;        // the writer's last look at tail_
  alignas(64) std::uint64_t reader_head_;        // the reader's last look at head_
  std::uint64_t peeked_;                         // bytes the peeked entry takes
};

/// The lanes between each rank and its center on its node (the hub, or a sub-hub), both ways.
/// Collective over `comm`.
class lanes {
 public:
  /// `center`: per rank of `comm`, the rank it talks to (-1 for a rank that is a center itself);
  /// a rank and its center on one node get lanes. `is_on`: whether this rank wants lanes; every
  /// rank must, or none has them.
  lanes(MPI_Comm comm, const std::vector<int>& center, bool is_on);
  lanes(const lanes&) = delete;
  lanes& operator=(const lanes&) = delete;

  /// The lane this rank writes to reach `rank`, or null (another node, or not a hub link).
  lane* to(int rank) const { return at(to_, rank); }
  /// The lane this rank reads for messages from `rank`, or null.
  lane* from(int rank) const { return at(from_, rank); }
  /// The ranks this rank has lanes with.
  const std::vector<int>& peers() const { return peers_; }
  /// Whether this rank has a lane to every rank it talks to.
  bool is_complete() const { return is_complete_; }

 private:
  static lane* at(const std::vector<lane*>& v, int rank) {
    return rank >= 0 && static_cast<std::size_t>(rank) < v.size() ? v[static_cast<std::size_t>(rank)]
                                                                 : nullptr;
  }
  std::optional<node_memory> memory_;
  std::vector<lane*> to_, from_;  // by rank of `comm`
  std::vector<int> peers_;
  bool is_complete_ = false;
};

}  // namespace taskhub::detail
