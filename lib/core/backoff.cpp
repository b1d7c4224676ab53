// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one back-off of every loop that waits.
#include "core/backoff.hpp"

#include <cstdlib>

namespace taskhub::detail {

namespace {
std::chrono::microseconds env_us(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return std::chrono::microseconds(v ? std::atol(v) : fallback);
}
}  // namespace

std::chrono::microseconds backoff::yield_for() {
  static const auto us = env_us("TASKHUB_YIELD_US", 2000);
  return us;
}
}  // namespace taskhub::detail
