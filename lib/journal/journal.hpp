// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

// The HDF5 task journal (layout in doc/journal.md). Only the hub thread uses it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/task_state.hpp"

namespace taskhub::detail {

struct journal_settings {
  std::string path;
  bool is_resume = false;
  bool is_retry_failed = false;  // on resume, failed tasks run again
  bool is_storing_results = true;
  std::chrono::milliseconds flush_interval{1000};
  std::string command;  // argv, for the /runs row
};

/// What an earlier run recorded for a task that finished.
struct stored_outcome {
  bool is_done = false;  // else failed
  bytes result;          // the encoded result, or the encoded type + message of a failure
  int engine = -1;
  std::int64_t started_us = 0, completed_us = 0;
};

class journal {
 public:
  /// Creates the file, or with `is_resume` reads it, checks it and carries its rows into a
  /// fresh file. Throws taskhub::error("journal PATH: what is wrong").
  explicit journal(journal_settings settings);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// Records the run's engines (in engine order) and the hub's host.
  void start(const std::vector<int>& ranks, const std::vector<std::string>& hosts);

  /// Records a submitted task; returns what an earlier run stored for it when it may be served
  /// from there (resume), else null.
  const stored_outcome* submitted(const task_state& t);
  void dispatched(const task_state& t);
  /// An attempt on `engine` failed with `failure` (encoded type + message); the task runs again.
  void retried(const task_state& t, int engine, const char* failure, std::size_t size);
  /// `t` finished in `state` (a taskhub::task_state); `is_restored` when served from the journal.
  void finished(const task_state& t, int state, bool is_restored);

  bool is_flush_due() const;
  /// Time until the next flush is due while rows wait, else max.
  std::chrono::microseconds until_flush() const;
  /// Writes the buffered rows and flushes the file.
  void flush();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace taskhub::detail
