// SPDX-License-Identifier: MIT
// Part of taskhub.
// The submission stack: client threads push tasks without a lock; the hub takes them all at once.
#pragma once

#include <atomic>

#include "taskhub/detail/runtime.hpp"

namespace taskhub::detail {

/// A lock-free stack of submitted tasks, newest first. Each task keeps itself alive on it
/// (task_data::submitted_self) until the hub takes it.
class submission_stack {
 public:
  ~submission_stack() { fail_all(); }
  /// Tasks still on the stack fail with run_ended, so nothing waits for them.
  void fail_all();
  void push(task_ptr task);
  /// Pushes `tasks` in order, as one chain; empties `tasks`.
  void push(std::vector<task_ptr>& tasks);
  bool is_empty() const { return !top_.load(std::memory_order_relaxed); }
  /// Takes every task, oldest first; `accept` receives each. If `accept` throws, the tasks it did
  /// not reach go back on the stack and the exception goes on.
  template <class Accept>
  void take_all(Accept&& accept) {
    for (task_data* t = take_oldest_first(); t;) {
      task_data* next = t->next_submitted;
      t->next_submitted = nullptr;
      try {
        accept(std::move(t->submitted_self));
      } catch (...) {
        put_back(next);
        throw;
      }
      t = next;
    }
  }

 private:
  void push_chain(task_data* first, task_data* last);
  task_data* take_oldest_first();
  void put_back(task_data* oldest_first);

  alignas(64) std::atomic<task_data*> top_{nullptr};  // a cache line of its own
};

}  // namespace taskhub::detail
