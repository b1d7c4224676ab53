// SPDX-License-Identifier: MIT
// Part of taskhub.
// Memory the ranks of one node (core/node_name.hpp) share: one POSIX shared-memory object per
// node, mapped by each of its ranks, each owning a part. Unlike an MPI shared-memory window,
// letting it go is local (an unmap), so ranks that outlive a dead peer end without a collective
// call that would wait for it.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <functional>
#include <vector>

namespace taskhub::detail {

class node_memory {
 public:
  /// Collective over `comm`: every rank asks for `mine(ranks of its node)` bytes (0 is allowed)
  /// and maps the parts of the ranks on its node. Parts are zeroed and 4096-byte aligned.
  node_memory(MPI_Comm comm, const std::function<std::size_t(const std::vector<int>&)>& mine);
  ~node_memory();
  node_memory(const node_memory&) = delete;
  node_memory& operator=(const node_memory&) = delete;

  /// How many ranks share this node, this one included.
  int node_size() const { return static_cast<int>(ranks_.size()); }
  /// The rank in `comm` of each rank of the node, in node order (this rank's included).
  const std::vector<int>& ranks() const { return ranks_; }
  /// The part of `comm`'s rank `rank`, or null when that rank is on another node or asked for 0.
  char* part_of(int rank) const {
    return rank >= 0 && static_cast<std::size_t>(rank) < parts_.size()
               ? parts_[static_cast<std::size_t>(rank)]
               : nullptr;
  }

 private:
  std::vector<int> ranks_;
  std::vector<char*> parts_;  // by rank of `comm`
  void* base_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace taskhub::detail
