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

lanes::lanes(MPI_Comm comm, const std::vector<int>& center, bool is_on_here) {
  int me = 0, size = 0;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &size);
  // Every rank must agree to use lanes (TASKHUB_LANES=0 turns them off).
  int is_on = is_on_here ? 1 : 0;
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, &is_on, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce");

  auto center_of = [&center](int r) { return center[static_cast<std::size_t>(r)]; };
  auto is_on_node = [](const std::vector<int>& node, int r) {
    return r >= 0 && std::find(node.begin(), node.end(), r) != node.end();
  };
  // A center reads one lane per rank of its node that it serves; each of those reads one from it.
  auto clients_of = [&](const std::vector<int>& node, int c) {
    std::vector<int> clients;
    for (int r : node)
      if (center_of(r) == c) clients.push_back(r);
    return clients;
  };
  auto bytes_of = [&](const std::vector<int>& node) -> std::size_t {
    if (!is_on) return 0;
    std::size_t n = clients_of(node, me).size() * slot_bytes;
    if (is_on_node(node, center_of(me))) n += slot_bytes;
    return n;
  };
  memory_.emplace(comm, bytes_of);
  const std::vector<int>& node = memory_->ranks();
  const std::size_t mine = bytes_of(node);
  char* base = memory_->part_of(me);
  for (std::size_t k = 0; k * slot_bytes < mine; ++k) lane::format(base + k * slot_bytes, slot_bytes);
  // Every lane is formatted before any is written.
  check_mpi(MPI_Barrier(comm), "MPI_Barrier");
  to_.assign(static_cast<std::size_t>(size), nullptr);
  from_.assign(static_cast<std::size_t>(size), nullptr);
  if (!is_on) return;

  const std::vector<int> clients = clients_of(node, me);
  for (std::size_t k = 0; k < clients.size(); ++k) {
    const int r = clients[k];
    from_[static_cast<std::size_t>(r)] = reinterpret_cast<lane*>(base + k * slot_bytes);
    // A client that is itself a center keeps the lanes from its own clients first.
    to_[static_cast<std::size_t>(r)] = reinterpret_cast<lane*>(
        memory_->part_of(r) + clients_of(node, r).size() * slot_bytes);
    peers_.push_back(r);
  }
  if (const int c = center_of(me); is_on_node(node, c)) {
    const auto theirs = clients_of(node, c);
    const auto k = static_cast<std::size_t>(std::find(theirs.begin(), theirs.end(), me) - theirs.begin());
    from_[static_cast<std::size_t>(c)] = reinterpret_cast<lane*>(base + clients.size() * slot_bytes);
    to_[static_cast<std::size_t>(c)] = reinterpret_cast<lane*>(memory_->part_of(c) + k * slot_bytes);
    peers_.push_back(c);
    is_complete_ = clients.empty();  // a client talks to its center only
  } else {
    // A center with no parent whose every other rank is a client on its node talks by lanes only.
    bool is_all = center_of(me) < 0;
    for (int r = 0; r < size && is_all; ++r)
      is_all = r == me || (center_of(r) == me && is_on_node(node, r));
    is_complete_ = is_all;
  }
}

}  // namespace taskhub::detail
