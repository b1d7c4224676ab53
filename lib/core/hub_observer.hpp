// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the hub tells an observer of its tasks (the journal): one call per change of a task. The
// interface lives in core so that the hub and its observers depend on it, not on each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/task_data.hpp"
#include "taskhub/task_record.hpp"

namespace taskhub::detail {

/// What an earlier run recorded for a task that finished.
struct stored_outcome {
  bool is_done = false;  // else failed
  bytes result;          // the encoded result, or the encoded type + message of a failure
  int engine = -1;
  std::int64_t started_us = 0, completed_us = 0;
};

/// Called by the hub thread's passes only, at one set of points. The defaults do nothing, so the
/// hub calls an observer whether or not the run keeps a journal.
class hub_observer {
 public:
  virtual ~hub_observer() = default;
  /// The run starts with these engines (in engine order) on these hosts.
  virtual void started(const std::vector<int>& /*engines*/,
                       const std::vector<std::string>& /*hosts*/) {}
  /// A task was submitted; returns what an earlier run stored for it when it may be answered
  /// from there (resume), else null.
  virtual const stored_outcome* submitted(const task_data& /*t*/) { return nullptr; }
  /// The task was handed to its engine.
  virtual void dispatched(const task_data& /*t*/) {}
  /// An attempt on `engine` failed with `failure` (encoded type + message); the task runs again.
  virtual void retried(const task_data& /*t*/, int /*engine*/, const char* /*failure*/,
                       std::size_t /*size*/) {}
  /// The task finished in `state`; `t.hub.is_restored` when answered from an earlier run.
  virtual void finished(const task_data& /*t*/, taskhub::task_state /*state*/) {}
  /// Puts what finished() and submitted() reported since the last call where a kill of the
  /// process cannot lose it (the operating system's hands). The hub hands those outcomes to
  /// clients only after this returns.
  virtual void record_outcomes() {}
  /// Time until the observer's own work (say, a flush) is due, else max.
  virtual std::chrono::microseconds until_due() const { return std::chrono::microseconds::max(); }
  /// Does the work that is due; `is_final` at the run's end, when everything is due.
  virtual void catch_up(bool /*is_final*/) {}
};

}  // namespace taskhub::detail
