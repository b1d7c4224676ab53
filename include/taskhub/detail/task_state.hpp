// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

// What the client and the hub thread share about one task.

#include <atomic>
#include <chrono>
#include <cstdint>
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
  bytes result;             // encoded result, or for failures: type name + message
  std::string error_where;  // for failures that never reached a handler (e.g. "hub")
  std::atomic<task_status> status{task_status::pending};

  bool is_ready() const noexcept { return status.load() != task_status::pending; }
};

}  // namespace taskhub::detail
