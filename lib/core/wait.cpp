// SPDX-License-Identifier: MIT
// Part of taskhub.
// How a client waits for tasks: helpers first, then a short spin, then blocking.
#include "core/wait.hpp"

#include "core/backoff.hpp"

#include <chrono>
#include <thread>

namespace taskhub::detail {
namespace {

thread_local wait_helper* thread_helper = nullptr;
std::atomic<wait_helper*> process_helper{nullptr};
std::atomic<int> process_helper_users{0};
std::chrono::microseconds spin_for{50};

// Asks this thread's engine, then the process's hub, to work until `is_ready`; returns whether
// one of them saw the wait through.
bool helped(const std::function<bool()>& is_ready, deadline until) {
  if (thread_helper) return thread_helper->help(is_ready, until);
  struct counted {
    counted() { process_helper_users.fetch_add(1); }
    ~counted() { process_helper_users.fetch_sub(1); }
  } count;
  wait_helper* hub = process_helper.load();
  return hub && hub->help(is_ready, until);
}

// Yields for a moment first: a short task's result often arrives within microseconds.
template <class Ready>
bool spin(Ready&& is_ready) {
  backoff wait(spin_for);
  while (wait.yield())
    if (is_ready()) return true;
  return is_ready();
}

}  // namespace

void set_thread_helper(wait_helper* h) { thread_helper = h; }
void set_client_spin(std::chrono::microseconds d) { spin_for = d; }

void set_process_helper(wait_helper* h) {
  process_helper.store(h);
  if (h) return;
  while (process_helper_users.load() > 0) std::this_thread::yield();
}

void completion_signal::notify() {
  { std::lock_guard<std::mutex> lock(m_); }
  cv_.notify_all();
}

// Blocks; the caller has announced itself (is_awaited or any_waiters) first.
template <class Ready>
bool completion_signal::block(Ready&& is_ready, deadline until) {
  std::unique_lock<std::mutex> lock(m_);
  if (until == deadline::max()) {
    cv_.wait(lock, is_ready);
    return true;
  }
  return cv_.wait_until(lock, until, is_ready);
}

completion_signal& completions() {
  static completion_signal c;
  return c;
}

bool wait_ready(const task_data& task, deadline until) {
  if (task.is_ready()) return true;
  auto is_ready = [&] { return task.is_ready(); };
  if (helped(is_ready, until)) return task.is_ready();
  if (spin(is_ready)) return true;
  const_cast<task_data&>(task).is_awaited.store(true);
  return completions().block(is_ready, until);
}

long wait_any_ready(const std::vector<const task_data*>& tasks, deadline until) {
  auto first_ready = [&]() -> long {
    for (std::size_t i = 0; i < tasks.size(); ++i)
      if (tasks[i]->is_ready()) return static_cast<long>(i);
    return -1;
  };
  long found = first_ready();
  if (found >= 0 || tasks.empty()) return found;
  auto is_any_ready = [&] { return (found = first_ready()) >= 0; };
  if (helped(is_any_ready, until)) return first_ready();
  if (spin(is_any_ready)) return found;
  auto& c = completions();
  c.any_waiters_.fetch_add(1);
  c.block(is_any_ready, until);
  c.any_waiters_.fetch_sub(1);
  return found;
}

}  // namespace taskhub::detail
