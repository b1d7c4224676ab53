// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's pulse: a thread that beats its heartbeat while the process runs, so the hub's
// watchdog can tell a long task from a stopped or starved process.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace taskhub::detail {

class pulse {
 public:
  /// Adds one to `beat` every `every` until destroyed.
  pulse(std::atomic<std::uint64_t>& beat, std::chrono::nanoseconds every);
  ~pulse();
  pulse(const pulse&) = delete;
  pulse& operator=(const pulse&) = delete;

 private:
  std::mutex m_;
  std::condition_variable wake_;
  bool is_done_ = false;
  std::thread thread_;
};

}  // namespace taskhub::detail
