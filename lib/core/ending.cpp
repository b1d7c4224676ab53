// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "core/ending.hpp"

#include <atomic>
#include <cstdlib>

namespace taskhub::detail {
namespace {
std::atomic<bool> ending{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
}  // namespace

bool is_ending() { return ending.load(std::memory_order_relaxed); }
void mark_ending() { ending.store(true, std::memory_order_relaxed); }

std::chrono::milliseconds launcher_grace() {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) return std::chrono::seconds(3);
  if (std::getenv("OMPI_MCA_orte_enable_recovery") != nullptr) return std::chrono::milliseconds(0);
  return std::chrono::minutes(1);
}

}  // namespace taskhub::detail
