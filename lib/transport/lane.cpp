// SPDX-License-Identifier: MIT
// Part of taskhub.
// Lanes: one-writer, one-reader rings in a shared-memory window.
#include "transport/lane.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/mpi_check.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t ring_bytes = std::size_t(256) << 10;
constexpr std::size_t slot_bytes = ring_bytes + 4096;  // the lane's header, then its ring

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "lanes need lock-free 64-bit atomics to work across processes");

std::uint64_t padded(std::size_t n) { return (static_cast<std::uint64_t>(n) + 7) & ~std::uint64_t(7); }

// What precedes each entry in the ring.
struct mark {
  std::uint32_t size;
  lane::kind what;
};
constexpr std::uint64_t mark_bytes = sizeof(mark);
static_assert(mark_bytes == 8, "entries stay 8-byte aligned");

}  // namespace

lane* lane::format(void* at, std::size_t bytes) {
  std::size_t capacity = 64;
  while (capacity * 2 + sizeof(lane) <= bytes) capacity *= 2;
  auto* l = new (at) lane;
  l->head_.store(0);
  l->tail_.store(0);
  l->capacity_ = capacity;
  l->writer_tail_ = 0;
  l->reader_head_ = 0;
  l->peeked_ = 0;
  return l;
}

bool lane::write(kind what, const void* data, std::size_t size) {
  const std::uint64_t need = mark_bytes + padded(size);
  if (size > largest()) return false;
  std::uint64_t head = head_.load(std::memory_order_relaxed);
  const std::uint64_t at = head & (capacity_ - 1);
  const std::uint64_t to_end = capacity_ - at;
  const std::uint64_t total = need <= to_end ? need : to_end + need;
  if (head + total - writer_tail_ > capacity_) {
    writer_tail_ = tail_.load(std::memory_order_acquire);
    if (head + total - writer_tail_ > capacity_) return false;
  }
  if (need > to_end) {  // the entry would run past the end: skip to the start
    const mark skip{static_cast<std::uint32_t>(to_end - mark_bytes), kind::wrap};
    std::memcpy(ring() + at, &skip, sizeof skip);
    head += to_end;
  }
  char* p = ring() + (head & (capacity_ - 1));
  const mark h{static_cast<std::uint32_t>(size), what};
  std::memcpy(p, &h, sizeof h);
  if (size) std::memcpy(p + mark_bytes, data, size);
  head_.store(head + need, std::memory_order_release);
  return true;
}

bool lane::peek(entry& e) {
  std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  for (;;) {
    if (tail == reader_head_) {
      reader_head_ = head_.load(std::memory_order_acquire);
      if (tail == reader_head_) return false;
    }
    const char* p = ring() + (tail & (capacity_ - 1));
    mark h;
    std::memcpy(&h, p, sizeof h);
    if (h.what == kind::wrap) {
      tail += mark_bytes + h.size;
      tail_.store(tail, std::memory_order_release);
      continue;
    }
    e = {h.what, p + mark_bytes, h.size};
    peeked_ = mark_bytes + padded(h.size);
    return true;
  }
}

void lane::pop() {
  tail_.store(tail_.load(std::memory_order_relaxed) + peeked_, std::memory_order_release);
  peeked_ = 0;
}

lanes::lanes(MPI_Comm comm, int hub, bool is_on_here) {
  int me = 0, size = 0;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &size);
  // Every rank must agree to use lanes (TASKHUB_LANES=0 turns them off).
  int is_on = is_on_here ? 1 : 0;
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, &is_on, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce");

  // The hub reads one lane per other rank of its node; each of those reads one from the hub.
  auto others_of = [hub](const std::vector<int>& node) {
    std::vector<int> others;
    for (int r : node)
      if (r != hub) others.push_back(r);
    return others;
  };
  auto has_hub = [hub](const std::vector<int>& node) {
    return std::find(node.begin(), node.end(), hub) != node.end();
  };
  memory_.emplace(comm, [&](const std::vector<int>& node) -> std::size_t {
    if (!is_on || !has_hub(node)) return 0;
    return me == hub ? others_of(node).size() * slot_bytes : slot_bytes;
  });
  const std::vector<int>& node = memory_->ranks();
  const std::vector<int> others = others_of(node);
  const bool has_lanes = is_on && has_hub(node);
  const std::size_t mine = !has_lanes ? 0 : me == hub ? others.size() * slot_bytes : slot_bytes;
  char* base = memory_->part_of(me);
  for (std::size_t k = 0; k * slot_bytes < mine; ++k) lane::format(base + k * slot_bytes, slot_bytes);
  // Every lane is formatted before any is written.
  check_mpi(MPI_Barrier(comm), "MPI_Barrier");
  to_.assign(static_cast<std::size_t>(size), nullptr);
  from_.assign(static_cast<std::size_t>(size), nullptr);
  if (!has_lanes) return;

  if (me == hub) {
    for (std::size_t k = 0; k < others.size(); ++k) {
      const int r = others[k];
      from_[static_cast<std::size_t>(r)] = reinterpret_cast<lane*>(base + k * slot_bytes);
      to_[static_cast<std::size_t>(r)] = reinterpret_cast<lane*>(memory_->part_of(r));
      peers_.push_back(r);
    }
    is_complete_ = memory_->node_size() == size;
  } else {
    std::size_t k = 0;
    while (others[k] != me) ++k;
    from_[static_cast<std::size_t>(hub)] = reinterpret_cast<lane*>(base);
    to_[static_cast<std::size_t>(hub)] =
        reinterpret_cast<lane*>(memory_->part_of(hub) + k * slot_bytes);
    peers_.push_back(hub);
    is_complete_ = true;
  }
}

}  // namespace taskhub::detail
