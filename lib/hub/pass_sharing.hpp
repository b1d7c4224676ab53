// SPDX-License-Identifier: MIT
// Part of taskhub.
// Pass sharing: client threads that wait run the hub's passes themselves while the hub thread
// rests, so a result needs no hand-off between threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>

#include "taskhub/detail/runtime.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

/// One pass at a time, under one lock: the hub thread's, or a helping client's. The hub thread
/// rests in short futex naps while clients help, and still takes a pass of its own every few.
class pass_sharing {
 public:
  /// `helper_pass` runs one pass for a client thread; it returns whether it did anything.
  pass_sharing(transport& t, std::function<bool()> helper_pass)
      : t_(t), helper_pass_(std::move(helper_pass)) {}

  // Client threads.
  /// A client submitted. A lone submission while the hub thread rests is sent on its way from
  /// here; the second of a burst wakes the hub thread; otherwise the transport is rung.
  void announce_submission();
  /// Runs passes until `is_ready` or `until`; returns false when the wait grew long (the caller
  /// then blocks instead).
  bool help(const std::function<bool()>& is_ready, deadline until);
  /// Whether this thread is inside a pass (and so may not start another).
  static bool is_in_pass();

  // The hub thread.
  /// Whether to rest now: a client helps, or did lately and no submission waits; and nothing
  /// (a stop, a control) needs the hub thread.
  bool should_rest(bool has_submissions, bool needs_hub_thread) const;
  /// Rests up to a nap, if `should_rest` still holds once the rest is announced.
  void rest(const std::function<bool()>& should_rest);
  /// Ends a rest early, and rings the transport; safe from any thread.
  void wake_hub_thread();
  /// Takes the pass lock for the hub thread, or asks the helper holding it to leave the next pass
  /// to the hub thread and returns an empty lock. Rethrows a helper's failure.
  std::unique_lock<std::mutex> begin_hub_pass();
  /// Takes the pass lock, waiting for a helper's pass to end.
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(pass_m_); }
  /// Marks the calling thread as in a pass for `fn`.
  template <class Fn>
  auto in_pass(Fn&& fn) {
    struct mark {
      mark() { set_in_pass(true); }
      ~mark() { set_in_pass(false); }
    } m;
    return fn();
  }

 private:
  bool helper_pass();
  static void set_in_pass(bool is_in);

  transport& t_;
  const std::function<bool()> helper_pass_;
  std::mutex pass_m_;  // one pass at a time
  std::atomic<int> helpers_{0};
  std::atomic<std::int64_t> last_help_ns_{0};
  std::atomic<std::uint32_t> rest_word_{0};  // a futex: 1 ends the hub thread's rest
  std::atomic<bool> is_resting_{false};
  std::atomic<bool> is_hub_thread_waiting_{false};  // helpers let the hub thread have a pass
  std::exception_ptr helper_error_;  // a helper's pass failed: the hub thread ends the run
};

}  // namespace taskhub::detail
