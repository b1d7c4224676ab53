// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one back-off of every loop that waits.
#include "core/backoff.hpp"

namespace taskhub::detail {

namespace {
std::chrono::microseconds yield_window{2000};
}  // namespace

std::chrono::microseconds backoff::yield_for() { return yield_window; }
void backoff::set_yield_for(std::chrono::microseconds d) { yield_window = d; }

}  // namespace taskhub::detail
