// SPDX-License-Identifier: MIT
// Part of taskhub.
// The dependency resolver: whether a waiting task's after/follow dependencies are met, can never
// be met, or not yet, and where follow lets it run.
#pragma once

#include <string>
#include <vector>

#include "hub/task_table.hpp"
#include "taskhub/task_options.hpp"

namespace taskhub::detail {

class dependency_resolver {
 public:
  enum class outcome { waiting, ready, impossible };
  struct resolution {
    outcome is = outcome::waiting;
    std::string why;  // when impossible
  };

  explicit dependency_resolver(const task_table& table) : table_(table) {}
  /// Registers `t` with its unfinished parents; returns why it cannot depend on them (a parent
  /// the hub does not know), else "".
  std::string attach(task_data& t);
  /// Looks at a waiting task's dependencies. When they are met it is ready, and follow has
  /// pinned it (t.hub.follow_engine) or narrowed it (t.hub.allowed) to where its parents ran.
  resolution resolve(task_data& t) const;
  /// Why `t` waits: its unmet dependencies, or a free engine; "" when it does not wait.
  std::string reason_of(const task_data& t) const;
  /// `t` no longer waits (it is ready, or finished): its parents may leave the table, and no
  /// unfinished parent looks at it again. Cheap when it had no dependencies.
  void settle(task_data& t) {
    if (!t.hub.parents.empty()) settled(t);
  }
  /// `parent` finished: the tasks waiting on it are due for a new look.
  void finished(task_data& parent);
  /// Whether tasks are due for a look (next_due() gives them).
  bool has_due() const { return !due_.empty(); }
  /// The next task due for a look, or null.
  task_data* next_due() {
    if (due_.empty()) return nullptr;
    task_data* t = due_.back();
    due_.pop_back();
    return t;
  }
  void clear() { due_.clear(); }

 private:
  struct verdict {
    bool is_met = false, is_impossible = false;
    std::string why;
  };
  verdict evaluate(const task_data& t, const dependency& d, const char* kind, bool explain) const;
  verdict evaluate_inputs(const task_data& t, bool explain) const;
  bool counts(const task_data& parent, const dependency& d) const;
  void settled(task_data& t);

  const task_table& table_;
  std::vector<task_data*> due_;
};

}  // namespace taskhub::detail
