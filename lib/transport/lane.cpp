// SPDX-License-Identifier: MIT
// Part of taskhub.
// Lanes: one-writer, one-reader rings in a shared-memory window.
#include "transport/lane.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "core/mpi_check.hpp"
#include "transport/node_ranks.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t ring_bytes = std::size_t(256) << 10;
constexpr std::size_t slot_bytes = ring_bytes + 4096;  // the lane's header, then its ring

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "lanes need lock-free 64-bit atomics to work across processes");

std::uint64_t padded(std::size_t n) { return (static_cast<std::uint64_t>(n) + 7) & ~std::uint64_t(7); }

// What precedes each entry in the ring.
// Segments need not start on a cache line; lanes do.
char* aligned(void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  return reinterpret_cast<char*>((at + 63) & ~std::uintptr_t(63));
}

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
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, me, MPI_INFO_NULL, &node_),
            "MPI_Comm_split_type");
  int node_size = 0;
  MPI_Comm_size(node_, &node_size);
  // Every rank of the node must agree to use lanes (TASKHUB_LANES=0 turns them off).
  int is_on = is_on_here ? 1 : 0;
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, &is_on, 1, MPI_INT, MPI_MIN, node_), "MPI_Allreduce");

  // The node's ranks, as ranks of `comm`, in node order; the others besides the hub get lanes.
  const std::vector<int> comm_ranks = ranks_in(node_, comm);
  int hub_at = -1;  // the hub's rank in the node, if it is here
  std::vector<int> others;
  for (int i = 0; i < node_size; ++i) {
    if (comm_ranks[static_cast<std::size_t>(i)] == hub) {
      hub_at = i;
    } else {
      others.push_back(comm_ranks[static_cast<std::size_t>(i)]);
    }
  }
  const bool has_lanes = is_on && hub_at >= 0;
  // The hub reads one lane per other rank of the node; each of those reads one from the hub.
  const std::size_t mine = !has_lanes ? 0 : me == hub ? others.size() * slot_bytes : slot_bytes;
  void* got = nullptr;
  check_mpi(MPI_Win_allocate_shared(static_cast<MPI_Aint>(mine ? mine + 64 : 0), 1, MPI_INFO_NULL,
                                    node_, &got, &window_),
            "MPI_Win_allocate_shared");
  char* base = aligned(got);
  for (std::size_t k = 0; k * slot_bytes < mine; ++k) lane::format(base + k * slot_bytes, slot_bytes);
  check_mpi(MPI_Barrier(node_), "MPI_Barrier");
  to_.assign(static_cast<std::size_t>(size), nullptr);
  from_.assign(static_cast<std::size_t>(size), nullptr);
  if (!has_lanes) return;

  auto segment = [&](int node_rank) {
    MPI_Aint bytes = 0;
    int unit = 0;
    void* at = nullptr;
    check_mpi(MPI_Win_shared_query(window_, node_rank, &bytes, &unit, &at), "MPI_Win_shared_query");
    return aligned(at);
  };
  if (me == hub) {
    for (std::size_t k = 0; k < others.size(); ++k) {
      const int r = others[k];
      from_[static_cast<std::size_t>(r)] = reinterpret_cast<lane*>(base + k * slot_bytes);
      int node_rank = 0;
      for (int i = 0; i < node_size; ++i)
        if (comm_ranks[static_cast<std::size_t>(i)] == r) node_rank = i;
      to_[static_cast<std::size_t>(r)] = reinterpret_cast<lane*>(segment(node_rank));
      peers_.push_back(r);
    }
    is_complete_ = node_size == size;
  } else {
    std::size_t k = 0;
    while (others[k] != me) ++k;
    from_[static_cast<std::size_t>(hub)] = reinterpret_cast<lane*>(base);
    to_[static_cast<std::size_t>(hub)] = reinterpret_cast<lane*>(segment(hub_at) + k * slot_bytes);
    peers_.push_back(hub);
    is_complete_ = true;
  }
}

lanes::~lanes() {
  if (window_ != MPI_WIN_NULL) MPI_Win_free(&window_);
  if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
}

}  // namespace taskhub::detail
