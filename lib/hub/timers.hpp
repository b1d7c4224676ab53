// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's timers: when a waiting task must have started, and a running one must have ended.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <vector>

namespace taskhub::detail {

/// Deadlines by task id; the ones for a running task carry its attempt, so a deadline of an
/// earlier attempt is known.
class timers {
 public:
  struct timer {
    std::int64_t when_ns;
    std::uint64_t id;
    std::uint32_t attempt;
    bool operator>(const timer& o) const { return when_ns > o.when_ns; }
  };
  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void start_within(std::uint64_t id, std::chrono::microseconds d) {
    starts_.push({now_ns() + d.count() * 1000, id, 0});
  }
  void end_within(std::uint64_t id, std::uint32_t attempt, std::chrono::microseconds d) {
    ends_.push({now_ns() + d.count() * 1000, id, attempt});
  }
  /// Takes the start deadlines that passed, earliest first.
  template <class Fn>
  void take_late_starts(std::int64_t now, Fn&& fn) { take(starts_, now, fn); }
  /// Takes the end deadlines that passed, earliest first.
  template <class Fn>
  void take_late_ends(std::int64_t now, Fn&& fn) { take(ends_, now, fn); }
  /// Time until the next deadline, else max.
  std::chrono::microseconds until_next() const {
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    if (!starts_.empty()) next = std::min(next, starts_.top().when_ns);
    if (!ends_.empty()) next = std::min(next, ends_.top().when_ns);
    if (next == std::numeric_limits<std::int64_t>::max()) return std::chrono::microseconds::max();
    return std::chrono::microseconds(std::max<std::int64_t>(0, (next - now_ns()) / 1000 + 1));
  }

 private:
  using heap = std::priority_queue<timer, std::vector<timer>, std::greater<timer>>;
  template <class Fn>
  static void take(heap& h, std::int64_t now, Fn& fn) {
    while (!h.empty() && h.top().when_ns <= now) {
      const timer t = h.top();
      h.pop();
      fn(t);
    }
  }
  heap starts_, ends_;
};

}  // namespace taskhub::detail
