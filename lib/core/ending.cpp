// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "core/ending.hpp"

#include <atomic>

namespace taskhub::detail {
namespace {
std::atomic<bool> ending{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
}  // namespace

bool is_ending() { return ending.load(std::memory_order_relaxed); }
void mark_ending() { ending.store(true, std::memory_order_relaxed); }

}  // namespace taskhub::detail
