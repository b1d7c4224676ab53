// SPDX-License-Identifier: MIT
// Part of taskhub.
// A shared object's encoding in memory the ranks of one node share: the rank that has the object
// (the hub, or the sub-hub of the node) writes it once, and each engine of the node maps it
// read-only instead of receiving a copy of its own. The memory has no name: engines open it
// through the writer's descriptor (/proc/<pid>/fd/<fd>), so nothing is left behind when a rank is
// killed, and it lives while any rank maps it.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace taskhub::detail {

/// Where an engine finds an object's memory: the writer's process and descriptor, and the size.
struct object_place {
  std::int64_t pid = 0;
  std::int64_t fd = -1;
  std::uint64_t size = 0;
};

class object_memory {
 public:
  /// Memory holding a copy of `n` bytes at `data`; throws taskhub::error saying why the system
  /// refused it (memory short).
  object_memory(const char* data, std::size_t n);
  ~object_memory();
  object_memory(const object_memory&) = delete;
  object_memory& operator=(const object_memory&) = delete;
  const object_place& place() const { return place_; }

 private:
  object_place place_;
};

/// Maps the object memory at `p` read-only; `data` is set to its first byte. The mapping lasts
/// while the returned owner does. Throws taskhub::error saying why it cannot.
std::shared_ptr<const void> map_object_memory(const object_place& p, const char*& data);

/// Collective over `comm`: per rank, whether it can map object memory that its `center` (per
/// rank, the rank it talks to; -1 for none) writes. Each rank that is a center makes a small copy,
/// and the ranks around it try to map it: where they cannot (another machine, or a /proc that
/// hides the writer), engines are sent their own copies instead.
std::vector<bool> object_memory_reach(MPI_Comm comm, const std::vector<int>& center);

/// Whether `data` lies in object memory this process maps (tests read it from /proc/self/maps).
bool is_in_object_memory(const void* data);

}  // namespace taskhub::detail
