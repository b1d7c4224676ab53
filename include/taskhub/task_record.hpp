// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's record of every task, and queries over them.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace taskhub {

/// Where a task is in its life: `waiting` for its dependencies, `ready` to go to an engine,
/// `queued` (sent to an engine, waiting there), `running` (its engine started it), then `done`,
/// `failed` or `aborted`.
enum class task_state { waiting, ready, queued, running, done, failed, aborted };

/// The name of a state ("waiting", "ready", ...).
const char* to_string(task_state s);

/// What the hub knows about one task.
struct task_record {
  using time_point = std::chrono::system_clock::time_point;
  std::uint64_t id = 0;
  std::string function;
  task_state state = task_state::waiting;
  int engine = -1;  // where it ran (or runs); -1 before that
  time_point submitted, started, completed;
  int retries_used = 0;
  int priority = 0;
  bool restored = false;  // answered from the journal of an earlier run, not run again
  std::string error;   // for failed and aborted tasks: "type: message"
  std::string reason;  // for waiting and ready tasks: why it has not started
};

/// A filter over task records: `taskhub::record_query().state(taskhub::task_state::failed)`.
class record_query {
 public:
  /// Only the tasks with these ids (looked up directly, not by scanning the table).
  record_query& ids(std::vector<std::uint64_t> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids_ = std::move(ids);
    return *this;
  }
  record_query& state(task_state s) {
    state_ = s;
    return *this;
  }
  /// Tasks of the shipped function with this readable name (as in task_record::function).
  record_query& function(std::string name) {
    function_ = std::move(name);
    return *this;
  }
  record_query& engine(int rank) {
    engine_ = rank;
    return *this;
  }
  /// Tasks submitted in [from, to).
  record_query& submitted_between(task_record::time_point from, task_record::time_point to) {
    from_ = from;
    to_ = to;
    return *this;
  }
  bool matches(const task_record& r) const {
    return (!ids_ || std::binary_search(ids_->begin(), ids_->end(), r.id)) &&
           (!state_ || r.state == *state_) && (!function_ || r.function == *function_) &&
           (!engine_ || r.engine == *engine_) && (!from_ || r.submitted >= *from_) &&
           (!to_ || r.submitted < *to_);
  }
  /// The ids given to ids(), sorted, or null when the query is not limited to ids.
  const std::vector<std::uint64_t>* selected_ids() const { return ids_ ? &*ids_ : nullptr; }

 private:
  std::optional<std::vector<std::uint64_t>> ids_;
  std::optional<task_state> state_;
  std::optional<std::string> function_;
  std::optional<int> engine_;
  std::optional<task_record::time_point> from_, to_;
};

/// One engine's status: whether it is live, and its tasks per state.
struct engine_counts {
  bool live = true;  // false once a task crashed it and it retired
  int queued = 0;    // tasks in state queued there: sent to it, not started yet
  int running = 0;   // tasks in state running there
  int done = 0, failed = 0;
};

}  // namespace taskhub
