// SPDX-License-Identifier: MIT
// Part of taskhub.
// One command of a farm, as shipped to an engine, and what running it gave.
#pragma once

#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace farm {

struct command {
  int line = 0;         // in the task file, for messages and output file names
  std::string text;     // run by /bin/sh -c
  std::string cwd;      // empty: the engine's working directory
  std::vector<std::pair<std::string, std::string>> env;  // added to the engine's environment
  double timeout = 0;   // seconds; 0: the farm's default

  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& line& text& cwd& env& timeout;
  }
};

/// What identifies a command in the journal (task_options::journal_key): what it runs, where and
/// how, not its line, so a task file edited around finished lines still resumes.
std::string identity(const command& c);

/// What the journal and taskhub-report call a command (task_options::label): its text on one
/// line, cut to `max_label_bytes` with "...", and its line: "make -C src all (line 3)".
std::string label_of(const command& c);
inline constexpr std::size_t max_label_bytes = 72;

/// Settings of the whole run, set from the command line on every rank before the run starts
/// (every rank runs the same binary with the same arguments).
struct run_settings {
  std::string output_dir;  // empty: keep only the tails
  double timeout = 0;      // default seconds per command; 0: none
  double kill_grace = 5;   // seconds from SIGTERM to SIGKILL, at a time-out and for leftovers
};
run_settings& settings();

struct outcome {
  int exit_code = 0;
  int signal = 0;
  bool is_timed_out = false;
  double started = 0, ended = 0;  // seconds since the epoch
  std::string host;
  std::string stdout_tail, stderr_tail;
};

/// A command that did not exit with 0: its message says how it ended and the last line of stderr.
class command_failed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bytes of each stream kept in an outcome.
inline constexpr std::size_t tail_bytes = 2048;

/// Runs `c` and waits for it, keeping its whole output in `output_dir` when not empty. After
/// `timeout` seconds (if positive) its process group gets SIGTERM, and SIGKILL `kill_grace`
/// seconds later. Once it has ended, what it left running (in its group, or adopted by this
/// process: see reaper.hpp) is ended the same way. The command inherits no descriptor but 0, 1
/// and 2. Never throws.
outcome execute(const command& c, double timeout, double kill_grace, const std::string& output_dir);

/// The outcome as text, as the journal keeps it (`h5dump -r -d /results` shows it):
/// "exit N", "signal N", "host H", "started S", "ended S" lines, then "stdout:" and "stderr:"
/// each followed by the tail of that stream.
std::string to_text(const outcome& o);

/// The task an engine runs: `execute`, then a throw (farm::command_failed) unless the command
/// exited with 0, so the hub records the failure, retries it, and the journal keeps the error;
/// else the outcome as text.
std::string run_command(const command& c);

/// One line saying how a command ended: "exit 3", "killed by signal 11 (Segmentation fault)", ...
std::string describe(const outcome& o, double timeout);

}  // namespace farm
