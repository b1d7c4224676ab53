// SPDX-License-Identifier: MIT
// Part of taskhub.
// Large message buffers are reused instead of freed: a fresh megabyte costs page faults on
// every first touch, a reused one costs nothing.

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#include <vector>

#include "taskhub/detail/block_pool.hpp"
#include "taskhub/detail/runtime.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t smallest_pooled = 4096;
constexpr std::size_t most_buffers = 512;
constexpr std::size_t most_bytes = std::size_t(256) << 20;

struct buffer_pool {
  std::mutex m;
  std::vector<bytes> free;
  std::size_t bytes_held = 0;
};

buffer_pool& pool() {
  static buffer_pool p;
  return p;
}

}  // namespace

bytes take_buffer(std::size_t capacity) {
  if (capacity >= smallest_pooled) {
    auto& p = pool();
    std::lock_guard<std::mutex> lock(p.m);
    std::size_t best = p.free.size();
    for (std::size_t i = 0; i < p.free.size(); ++i) {
      const auto c = p.free[i].capacity();
      if (c >= capacity && (best == p.free.size() || c < p.free[best].capacity())) best = i;
    }
    if (best != p.free.size()) {
      bytes b = std::move(p.free[best]);
      p.free[best] = std::move(p.free.back());
      p.free.pop_back();
      p.bytes_held -= b.capacity();
      return b;
    }
  }
  bytes b;
  b.reserve(capacity);
  return b;
}

void recycle_buffer(bytes&& buffer) {
  const auto c = buffer.capacity();
  if (c < smallest_pooled) return;
  auto& p = pool();
  std::lock_guard<std::mutex> lock(p.m);
  if (p.free.size() >= most_buffers || p.bytes_held + c > most_bytes) return;
  buffer.clear();
  p.bytes_held += c;
  p.free.push_back(std::move(buffer));
}

}  // namespace taskhub::detail

// ---- small blocks (block_pool.hpp) ----

namespace taskhub::detail {
namespace {

constexpr std::size_t block_unit = 64;
constexpr std::size_t classes = largest_block / block_unit;
constexpr std::size_t first_slab = std::size_t(64) << 10;  // a thread's slabs double from here
constexpr std::size_t largest_slab = std::size_t(2) << 20;
constexpr std::size_t shared_batch = 256;
constexpr std::size_t most_kept = 4096;  // freed blocks a thread keeps per class before sharing

struct free_block {
  free_block* next;
};

// Blocks freed by threads that kept enough, or that ended, for all threads.
struct shared_blocks {
  std::mutex m;
  free_block* free[classes] = {};
  std::atomic<std::size_t> count[classes] = {};  // read without the lock: whether to take it
};

shared_blocks& shared() {
  static shared_blocks* s = new shared_blocks;  // outlives every thread's blocks
  return *s;
}

// Each thread carves blocks from a slab of its own, and keeps the blocks it frees.
struct thread_blocks {
  free_block* free[classes] = {};
  std::size_t count[classes] = {};
  char* slab = nullptr;
  std::size_t slab_left = 0;
  std::size_t slab_size = 0;
  bool is_ended = false;  // the thread is ending: blocks it frees from now on go to the shared lists
  ~thread_blocks() {  // a thread that ends hands its blocks on
    is_ended = true;
    auto& s = shared();
    std::lock_guard<std::mutex> lock(s.m);
    for (std::size_t c = 0; c < classes; ++c) {
      while (free_block* b = free[c]) {
        free[c] = b->next;
        b->next = s.free[c];
        s.free[c] = b;
        s.count[c].fetch_add(1, std::memory_order_relaxed);
      }
      count[c] = 0;
    }
  }
};
thread_local thread_blocks mine;

std::size_t class_of(std::size_t size) { return size == 0 ? 0 : (size - 1) / block_unit; }

// Up to `shared_batch` blocks of class `c` from the shared lists into this thread's: one of them
// is returned, the rest kept. Null if there are none.
free_block* take_shared(std::size_t c) {
  auto& s = shared();
  if (s.count[c].load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard<std::mutex> lock(s.m);
  free_block* first = s.free[c];
  if (!first) return nullptr;
  free_block* last = first;
  std::size_t n = 1;
  const std::size_t most = mine.is_ended ? 1 : shared_batch;
  while (n < most && last->next) {
    last = last->next;
    ++n;
  }
  s.free[c] = last->next;
  s.count[c].fetch_sub(n, std::memory_order_relaxed);
  last->next = mine.free[c];
  mine.free[c] = first->next;
  mine.count[c] += n - 1;
  return first;
}

// Fresh memory, with its pages mapped at once: one call instead of a page fault per 4 KiB,
// which the first tasks of a run would otherwise pay for.
char* new_slab(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                 -1, 0);
  if (p == MAP_FAILED) return static_cast<char*>(::operator new(bytes, std::align_val_t(block_unit)));
  return static_cast<char*>(p);
}

}  // namespace

void* take_block(std::size_t size) {
  if (size > largest_block) return ::operator new(size, std::align_val_t(block_unit));
  const std::size_t c = class_of(size);
  if (free_block* b = mine.free[c]) {
    mine.free[c] = b->next;
    --mine.count[c];
    return b;
  }
  const std::size_t bytes = (c + 1) * block_unit;
  if (mine.is_ended) {
    if (free_block* b = take_shared(c)) return b;
    return ::operator new(bytes, std::align_val_t(block_unit));  // joins the pool when given back
  }
  // Blocks other threads freed go first (a thread that makes tasks another frees would
  // otherwise carve slab after slab while the freed blocks pile up).
  if (free_block* b = take_shared(c)) return b;
  if (mine.slab_left < bytes) {
    // The rest of the old slab stays unused: at most one block's worth.
    mine.slab_size = std::min(mine.slab_size ? 2 * mine.slab_size : first_slab, largest_slab);
    mine.slab = new_slab(mine.slab_size);
    mine.slab_left = mine.slab_size;
  }
  void* b = mine.slab;
  mine.slab += bytes;
  mine.slab_left -= bytes;
  return b;
}

void give_block(void* block, std::size_t size) noexcept {
  if (size > largest_block) return ::operator delete(block, std::align_val_t(block_unit));
  const std::size_t c = class_of(size);
  auto* b = static_cast<free_block*>(block);
  if (mine.count[c] < most_kept && !mine.is_ended) {
    b->next = mine.free[c];
    mine.free[c] = b;
    ++mine.count[c];
    return;
  }
  auto& s = shared();
  std::lock_guard<std::mutex> lock(s.m);
  b->next = s.free[c];
  s.free[c] = b;
  s.count[c].fetch_add(1, std::memory_order_relaxed);
}

}  // namespace taskhub::detail
