// SPDX-License-Identifier: MIT
// Part of taskhub.
// The transport between the hub and engine threads of one process: in-memory mailboxes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "transport/transport.hpp"

namespace taskhub::detail {

/// Waits on a condition variable that wake() (and, locally, an arriving message) signals.
class sleeper {
 public:
  void sleep(std::chrono::microseconds most) {
    std::unique_lock<std::mutex> lock(m_);
    is_sleeping_.store(true);
    cv_.wait_for(lock, most, [&] { return is_woken_.exchange(false); });
    is_sleeping_.store(false);
  }
  void wake() {
    is_woken_.store(true);
    if (!is_sleeping_.load()) return;
    { std::lock_guard<std::mutex> lock(m_); }
    cv_.notify_one();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<bool> is_woken_{false};
  std::atomic<bool> is_sleeping_{false};
};

/// Mailboxes for a hub (endpoint 0) and engine threads (endpoints 1..n) in one process.
class local_network {
 public:
  explicit local_network(int endpoints);
  std::unique_ptr<transport> endpoint(int rank);

 private:
  friend class local_transport;
  struct mailbox {
    std::mutex m;
    std::deque<std::pair<int, bytes>> messages;
    sleeper waiting;
  };
  std::vector<std::unique_ptr<mailbox>> boxes_;
};

}  // namespace taskhub::detail
