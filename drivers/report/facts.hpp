// SPDX-License-Identifier: MIT
// Part of taskhub.
// What taskhub-report says about a journal, worked out once and then printed as text, JSON or SVG.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "journal_reader.hpp"

namespace taskhub_report {

/// Which runs the detailed sections look at.
struct selection {
  enum class which { latest, one, all } runs = which::latest;
  std::uint32_t run = 0;  // with which::one
  std::size_t top = 10;   // slowest tasks to list
};

/// Tasks by their final state; `unfinished` have no outcome (the writer stopped first).
struct counts {
  std::size_t tasks = 0, done = 0, failed = 0, cancelled = 0, restored = 0, unfinished = 0;
};

struct run_facts {
  run_row info;          // info.run is set even without a /runs row
  bool has_row = false;  // whether /runs has the row
  std::size_t engine_rows = 0;
  counts tasks;
};

/// One failed attempt with its error.
struct failure {
  std::uint32_t run = 0;
  std::uint64_t id = 0;
  std::string function;
  std::int32_t engine = -1;
  std::string host;
  std::uint32_t attempt = 0;  // 1 for the first error of the task; 0 when it never ran
  bool is_final = false;      // the attempt that ended the task (else it was retried)
  std::string type, message;
};

/// Cancelled tasks with one type of reason.
struct cancellation {
  std::string type;
  std::size_t tasks = 0;
  std::uint32_t run = 0;  // an example: the first such task
  std::uint64_t id = 0;
  std::string message;
};

/// One attempt on an engine: a task's last attempt, or an earlier one that was retried.
struct attempt {
  std::uint32_t run = 0;
  std::uint64_t id = 0;
  std::string function;
  std::int32_t engine = -1;
  std::string host;
  // done, failed or cancelled; retried for an earlier attempt; dispatched for one without an
  // outcome (drawn up to the run's last completion)
  event what = event::none;
  double started = 0, completed = 0;
  double seconds() const { return completed - started; }
};

struct engine_use {
  std::int32_t rank = 0;
  std::string host;
  std::size_t tasks = 0;
  double busy = 0;         // seconds: sum of completed - started of its outcomes
  double utilisation = 0;  // busy / wall span; NaN without a span
};

/// A task in its run's task graph: its parents are the tasks its after and follow dependencies
/// named; its depth is the longest chain of parents above it (0 for a task without any).
struct task_node {
  std::uint64_t id = 0;
  event what = event::none;  // done, failed, cancelled, restored; none when unfinished
  std::size_t depth = 0;
  std::vector<std::uint64_t> parents;  // those the run has, in the journal's order
  std::string function;                // "?" without a /tasks row
};

/// Utilisation and speed-up of one run.
struct run_usage {
  std::uint32_t run = 0;
  double wall_start = 0, wall_end = 0, wall_span = 0;  // first submitted to last completed
  std::vector<engine_use> engines;
  unsigned p = 0;
  double total_busy = 0;
  double speedup = 0, efficiency = 0, serial_fraction = 0;  // NaN when undefined
  std::string undefined_because;                            // why serial_fraction is NaN
  std::vector<attempt> attempts;             // every attempt that ran, for the timeline
  counts tasks;                              // of this run, by final state
  std::size_t failed_tasks = 0, errors = 0;  // of this run, as the failures count them
  std::vector<task_node> graph;              // every task of the run, by id, when any has parents
  std::size_t dependencies = 0;              // edges of the graph
};

struct report {
  std::string path;
  bool is_swmr_open = false;
  std::vector<run_facts> runs;
  counts total;
  std::vector<std::uint32_t> focus;  // runs of the detailed sections
  std::vector<failure> failures;     // of tasks that ran in the focus runs, in task order
  std::size_t failed_tasks = 0;
  std::size_t restored_failures = 0;  // failed tasks answered from an earlier run
  std::vector<cancellation> cancellations;
  std::vector<attempt> slowest;
  std::size_t top = 0;
  std::vector<run_usage> usage;
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::string> labels;  // of labelled tasks
};

/// What people call a task: its label, else "task ID" ("run R " before either when `is_run_named`).
std::string task_name(const report& r, std::uint32_t run, std::uint64_t id, bool is_run_named);

/// Works out the report; throws journal_error for a run the journal does not have.
report analyse(const journal& j, const std::string& path, const selection& sel);

void print_text(const report& r, std::FILE* out);
void print_json(const report& r, std::FILE* out);
/// Writes the timeline picture; returns false (with errno set) when the file cannot be written.
bool write_svg(const report& r, const std::string& file);

/// A duration for people: "3.000 s", "12.5 ms", "40 us".
std::string human_seconds(double s);
/// "2023-11-14 22:13:20 UTC" for seconds since the epoch.
std::string utc_time(double epoch);
/// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string clean_utf8(const std::string& text);
/// Whether the valid UTF-8 `utf8` has a C1 control character (U+0080 to U+009F) at byte `i`.
bool is_c1(const std::string& utf8, std::size_t i);
/// `text` as valid UTF-8 with control characters shown, not obeyed, for a terminal: C0 ones and
/// DEL as ^X and ^?, C1 ones as M-^X (as cat -v shows them); newlines kept when
/// `is_keeping_newlines`, else shown as ^J (for one line of error).
std::string printable(const std::string& text, bool is_keeping_newlines = true);
/// "run 3" or "runs 1 to 3" (or "runs 1, 4").
std::string focus_name(const report& r);

}  // namespace taskhub_report
