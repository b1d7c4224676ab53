// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's watchdog: says what the run waits for when no task has started or finished for a
// while, when an engine stops answering, or when SIGUSR1 asks; and writes the graph of unfinished
// tasks as a DOT file.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hub/task_flow.hpp"
#include "hub/wait_report.hpp"
#include "transport/doorbell.hpp"

namespace taskhub::detail {

class watchdog {
 public:
  struct config {
    std::chrono::nanoseconds period{0};  // 0: no timed reports (SIGUSR1 still asks for one)
    std::string dot_path = "taskhub-waits.dot";
    std::vector<std::string> hosts;      // per engine, in engine order
    std::vector<heartbeat*> beats;       // per engine; null where the hub cannot read one
  };
  explicit watchdog(config cfg);

  /// On the hub thread, once a pass: prints the report (and writes the graph) when it is due.
  void check(const task_flow& flow);
  /// Time until the next check.
  std::chrono::microseconds until_due() const;
  /// The report as it stands, without printing it.
  wait_report report(const task_flow& flow) const;

 private:
  struct engine_watch {
    std::uint64_t process = 0, turns = 0;
    std::int64_t process_moved_ns = 0, turns_moved_ns = 0;
    bool is_silent = false;
  };
  bool listen(const task_flow& flow, std::int64_t now);
  void print(const std::string& why, const wait_report& r) const;

  const config cfg_;
  std::vector<engine_watch> engines_;
  std::vector<std::string> silences_;  // per engine: why it is not answering, or ""
  std::uint64_t changes_ = 0;
  std::int64_t changed_ns_, reported_ns_, next_check_ns_ = 0;
};

/// While alive, SIGUSR1 asks the hub for a report (on every rank, since mpirun passes the signal
/// to all; engines ignore it). Left alone when the program handles SIGUSR1 itself.
class report_signal {
 public:
  report_signal();
  ~report_signal();
  report_signal(const report_signal&) = delete;
  report_signal& operator=(const report_signal&) = delete;

 private:
  bool is_installed_ = false;
};

}  // namespace taskhub::detail
