// SPDX-License-Identifier: MIT
// Part of taskhub.
// The HDF5 task journal (layout in doc/journal.md). Only the hub thread uses it.
#pragma once


#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "core/hub_observer.hpp"
#include "taskhub/detail/task_data.hpp"

namespace taskhub::detail {

struct journal_settings {
  std::string path;
  bool is_resume = false;
  bool is_retry_failed = false;  // on resume, failed tasks run again
  bool is_storing_results = true;
  std::chrono::milliseconds flush_interval{1000};
  bool is_syncing_log = false;  // fsync(2) the outcome log every pass
  std::string command;  // argv, for the /runs row
  std::string build;    // the program's build fingerprint, for the /runs row
  bool is_accepting_rebuild = false;  // on resume, serve results another build stored
};

/// The HDF5 journal: an observer of the hub that records every task (layout in doc/journal.md).
class journal final : public hub_observer {
 public:
  /// Creates the file, or with `is_resume` reads it, checks it and carries its rows into a
  /// fresh file. Throws taskhub::error("journal PATH: what is wrong").
  explicit journal(journal_settings settings);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  void started(const std::vector<int>& engines, const std::vector<std::string>& hosts) override;
  const stored_outcome* submitted(const task_data& t) override;
  void dispatched(const task_data& t) override;
  void retried(const task_data& t, int engine, const char* failure, std::size_t size) override;
  void finished(const task_data& t, taskhub::task_state state) override;
  void record_outcomes() override;
  std::chrono::microseconds until_due() const override { return until_flush(); }
  void catch_up(bool is_final) override;

  bool is_flush_due() const;
  /// Time until the next flush is due while rows wait, else max.
  std::chrono::microseconds until_flush() const;
  /// Writes the buffered rows and flushes the file, which then holds what the outcome log held.
  void flush();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace taskhub::detail
