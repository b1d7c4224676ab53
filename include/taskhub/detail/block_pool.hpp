// SPDX-License-Identifier: MIT
// Part of taskhub.
// Small fixed-size blocks for what is made once per task (a task's state, its request, small
// batches): taken from per-thread lists of freed blocks or carved from slabs, and never returned
// to malloc. Cheaper than malloc, which the hub, making and keeping several per task, felt.
#pragma once

#include <cstddef>

namespace taskhub::detail {

/// The largest block.
constexpr std::size_t largest_block = 1024;
/// A block of at least `size` bytes, aligned to 64 (from the pool up to largest_block, from
/// operator new above).
void* take_block(std::size_t size);
/// Returns a block taken with the same `size`; any thread may return it.
void give_block(void* block, std::size_t size) noexcept;

/// An allocator over those blocks, for std::allocate_shared.
template <class T>
struct block_allocator {
  using value_type = T;
  block_allocator() = default;
  template <class U>
  block_allocator(const block_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(take_block(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { give_block(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const block_allocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const block_allocator<U>&) const noexcept { return false; }
};

}  // namespace taskhub::detail
