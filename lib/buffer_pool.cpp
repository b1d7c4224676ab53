// SPDX-License-Identifier: MIT
// Part of taskhub.
// Large message buffers are reused instead of freed: a fresh megabyte costs page faults on
// every first touch, a reused one costs nothing.

#include <mutex>
#include <vector>

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
