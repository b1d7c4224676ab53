// SPDX-License-Identifier: MIT
// Part of taskhub.
// The times of a group of tasks: first submission, last completion and the sum of run times.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "taskhub/detail/task_data.hpp"

namespace taskhub::detail {

/// Accumulates the times of tasks as they are submitted and finish.
class time_span {
 public:
  using clock = std::chrono::system_clock;
  using seconds = std::chrono::duration<double>;  ///< as IPython parallel reports times

  /// Counts a submission.
  void submitted(clock::time_point t) {
    first_submitted_ = std::min(first_submitted_, t);
    has_tasks_ = true;
  }
  /// Counts a finished task (one the hub failed before it ran adds no run time).
  void finished(const task_data& t) {
    last_completed_us_ = std::max(last_completed_us_, t.completed_us);
    if (t.started_us > 0) serial_us_ += std::max<std::int64_t>(0, t.completed_us - t.started_us);
  }
  /// From the first submission to the last completion.
  seconds wall() const {
    return since(clock::time_point(std::chrono::microseconds(last_completed_us_)));
  }
  /// From the first submission to now.
  seconds until_now() const { return since(clock::now()); }
  /// The sum of the run times on the engines.
  seconds serial() const { return std::chrono::microseconds(serial_us_); }

 private:
  seconds since(clock::time_point end) const {
    if (!has_tasks_ || end < first_submitted_) return seconds(0);
    return end - first_submitted_;
  }
  clock::time_point first_submitted_ = clock::time_point::max();
  std::int64_t last_completed_us_ = 0, serial_us_ = 0;
  bool has_tasks_ = false;
};

}  // namespace taskhub::detail
