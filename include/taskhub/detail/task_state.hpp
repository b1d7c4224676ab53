// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

// What the client and the hub thread share about one task.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "taskhub/codec.hpp"

namespace taskhub::detail {

enum class task_status : int { pending = 0, done = 1, failed = 2 };

struct task_state {
  std::uint64_t id = 0;
  std::uint64_t handler = 0;
  int target = -1;  // engine for a direct task, -1 for load-balanced
  bytes request;    // the whole record: header + encoded arguments
  std::chrono::system_clock::time_point submitted;

  // Written by the hub thread before `status` is released, read by the client after.
  int engine = -1;
  std::int64_t started_us = 0, completed_us = 0;
  // The encoded result (for failures: type name + message), inside the reply batch it came in.
  std::shared_ptr<const bytes> reply;
  const char* result_data = nullptr;
  std::size_t result_size = 0;
  std::atomic<task_status> status{task_status::pending};
  std::atomic<bool> is_awaited{false};  // a client blocks on it: the hub must notify

  bool is_ready() const noexcept { return status.load() != task_status::pending; }
  reader result() const { return reader(result_data, result_size); }
  /// Sets the result to a buffer of its own.
  void set_result(bytes value) {
    reply = std::make_shared<const bytes>(std::move(value));
    result_data = reply->data();
    result_size = reply->size();
  }
};

}  // namespace taskhub::detail
