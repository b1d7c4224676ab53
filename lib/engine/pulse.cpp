// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's pulse.
#include "engine/pulse.hpp"

namespace taskhub::detail {

pulse::pulse(std::atomic<std::uint64_t>& beat, std::chrono::nanoseconds every)
    : thread_([this, &beat, every] {
        std::unique_lock<std::mutex> lock(m_);
        while (!is_done_) {
          beat.fetch_add(1, std::memory_order_relaxed);
          wake_.wait_for(lock, every);
        }
      }) {}

pulse::~pulse() {
  {
    std::lock_guard<std::mutex> lock(m_);
    is_done_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

}  // namespace taskhub::detail
