// SPDX-License-Identifier: MIT
// Part of taskhub.
// The submission stack.
#include "hub/submissions.hpp"

#include <cassert>
#include <string>

#include "taskhub/error.hpp"

namespace taskhub::detail {

void submission_stack::fail_all() {
  task_data* t = top_.exchange(nullptr, std::memory_order_acquire);
  while (t) {
    task_data* next = t->next_submitted;
    const task_ptr self = std::move(t->submitted_self);
    t->next_submitted = nullptr;
    bytes why;
    encode(why, std::string(failure::run_ended));
    encode(why, "the run ended before task " + std::to_string(t->id) + " was taken");
    t->set_result(std::move(why));
    t->status.store(task_status::failed);
    t = next;
  }
}

void submission_stack::push(task_ptr task) {
  task_data* t = task.get();
  assert(!t->submitted_self && "a task is submitted once");
  t->submitted_self = std::move(task);
  push_chain(t, t);
}

void submission_stack::push(std::vector<task_ptr>& tasks) {
  if (tasks.empty()) return;
  task_data* first = nullptr;  // the newest: the chain runs from it back to the oldest
  task_data* last = nullptr;
  for (auto& task : tasks) {
    task_data* t = task.get();
    t->submitted_self = std::move(task);
    t->next_submitted = first;
    if (!last) last = t;
    first = t;
  }
  tasks.clear();
  push_chain(first, last);
}

// Puts the chain first..last (newest to oldest) on the stack.
void submission_stack::push_chain(task_data* first, task_data* last) {
  task_data* head = top_.load(std::memory_order_relaxed);
  do {
    last->next_submitted = head;
  } while (!top_.compare_exchange_weak(head, first, std::memory_order_release,
                                       std::memory_order_relaxed));
}

task_data* submission_stack::take_oldest_first() {
  if (is_empty()) return nullptr;
  task_data* t = top_.exchange(nullptr, std::memory_order_acquire);
  task_data* oldest_first = nullptr;
  while (t) {
    task_data* next = t->next_submitted;
    t->next_submitted = oldest_first;
    oldest_first = t;
    t = next;
  }
  return oldest_first;
}

// The rest of a chain the hub could not take go back on the stack, newest first again, where a
// later take or the destructor finds them.
void submission_stack::put_back(task_data* oldest_first) {
  task_data* newest_first = nullptr;
  for (task_data* u = oldest_first; u;) {
    task_data* after = u->next_submitted;
    u->next_submitted = newest_first;
    newest_first = u;
    u = after;
  }
  if (newest_first) push_chain(newest_first, oldest_first);
}

}  // namespace taskhub::detail
