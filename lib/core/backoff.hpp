// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one back-off of every loop that waits: yield for a while, then nap.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

#include "transport/transport.hpp"

namespace taskhub::detail {

/// Backs off when a loop finds nothing to do: yield for a while, then sleep in growing naps that a
/// doorbell (or a local wake) ends early.
/// Polling loops must never spin on a core they share with the ranks they wait for.
class backoff {
 public:
  void busy() { is_idle_ = false; }
  void idle(transport& t, std::chrono::microseconds cap = std::chrono::microseconds::max()) {
    const auto now = std::chrono::steady_clock::now();
    if (!is_idle_) {
      is_idle_ = true;
      since_ = now;
    }
    const auto quiet = std::chrono::duration_cast<std::chrono::microseconds>(now - since_);
    if (quiet < yield_for()) {
      std::this_thread::yield();
      return;
    }
    t.idle(std::min({std::max(quiet / 4, std::chrono::microseconds(20)), t.longest_nap(), cap}));
  }
  /// How long to keep yielding before sleeping (TASKHUB_YIELD_US, default 2 ms). Waking a
  /// sleeping core costs tens of microseconds on virtual machines; yielding keeps it awake.
  static std::chrono::microseconds yield_for();

 private:
  bool is_idle_ = false;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace taskhub::detail
