// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one back-off of every loop that waits: yield for a while, then nap.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace taskhub::detail {

/// Backs off when a loop finds nothing to do: yield for a while, then sleep in growing naps that a
/// doorbell (or a local wake) ends early. Every loop of the runtime that waits uses it: polling
/// loops must never spin on a core they share with the ranks they wait for.
class backoff {
 public:
  /// `yield_window`: how long to yield before napping.
  explicit backoff(std::chrono::microseconds yield_window = yield_for()) : window_(yield_window) {}
  /// The loop did something: the next idle() starts a new quiet spell.
  void busy() { is_idle_ = false; }
  /// Nothing to do: yields, or past the window naps on `t`, a transport (a message or its wake()
  /// ends the nap).
  template <class Transport>
  void idle(Transport& t, std::chrono::microseconds cap = std::chrono::microseconds::max()) {
    if (const auto nap = quiet_nap(); nap.count() > 0)
      t.idle(std::min({nap, t.longest_nap(), cap}));
  }
  /// The same for a loop that nothing wakes: naps up to `longest`.
  void idle(std::chrono::microseconds longest = std::chrono::milliseconds(1)) {
    if (const auto nap = quiet_nap(); nap.count() > 0) std::this_thread::sleep_for(std::min(nap, longest));
  }
  /// Yields while the quiet spell is within the window; returns false once it is past.
  bool yield() {
    if (quiet() >= window_) return false;
    std::this_thread::yield();
    return true;
  }
  /// How long to keep yielding before sleeping (TASKHUB_YIELD_US, default 2 ms; set once at
  /// start). Waking a sleeping core costs tens of microseconds on virtual machines; yielding
  /// keeps it awake.
  static std::chrono::microseconds yield_for();
  static void set_yield_for(std::chrono::microseconds d);

 private:
  std::chrono::microseconds quiet() {
    const auto now = std::chrono::steady_clock::now();
    if (!is_idle_) {
      is_idle_ = true;
      since_ = now;
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(now - since_);
  }
  // Yields and returns 0 within the window; past it, a nap of a quarter of the quiet spell.
  std::chrono::microseconds quiet_nap() {
    const auto q = quiet();
    if (q < window_) {
      std::this_thread::yield();
      return std::chrono::microseconds(0);
    }
    return std::max(q / 4, std::chrono::microseconds(20));
  }

  std::chrono::microseconds window_;
  bool is_idle_ = false;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace taskhub::detail
