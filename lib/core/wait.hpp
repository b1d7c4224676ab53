// SPDX-License-Identifier: MIT
// Part of taskhub.
// How a client waits for tasks: with the help of whatever can make progress on its thread (the
// engine it runs on, or the hub whose passes it may run), then by blocking until signalled.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

#include "taskhub/detail/runtime.hpp"

namespace taskhub::detail {

/// Makes progress for a client that waits.
class wait_helper {
 public:
  virtual ~wait_helper() = default;
  /// Works until `is_ready` holds or `until` passes; returns false when it stopped helping
  /// before either (the caller then blocks).
  virtual bool help(const std::function<bool()>& is_ready, deadline until) = 0;
};

/// The engine that runs tasks on this thread, so a task that waits for tasks it submitted keeps
/// its engine serving (null: none).
void set_thread_helper(wait_helper* h);
/// The hub whose passes waiting client threads may run (null: none). Setting null returns once no
/// client thread is inside the old one.
void set_process_helper(wait_helper* h);

/// How long a waiting client yields before it blocks (TASKHUB_CLIENT_SPIN_US; set once at start).
void set_client_spin(std::chrono::microseconds d);

/// Wakes clients blocked on futures. A client blocking on one task marks it awaited; one waiting
/// for any of several counts itself in `any_waiters`. The hub notifies once per batch, and only
/// when one of those could be waiting.
class completion_signal {
 public:
  void notify();
  /// Whether a client may wait for `t`.
  bool is_watched(const task_data& t) const {
    return t.is_awaited.load() || any_waiters_.load() > 0;
  }

 private:
  friend bool wait_ready(const task_data&, deadline);
  friend long wait_any_ready(const std::vector<const task_data*>&, deadline);
  template <class Ready>
  bool block(Ready&& is_ready, deadline until);

  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<int> any_waiters_{0};
};

completion_signal& completions();

}  // namespace taskhub::detail
