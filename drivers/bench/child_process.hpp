// SPDX-License-Identifier: MIT
// Part of taskhub.
// Running one program to its end or to a time-out, keeping what it printed.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace taskhub_bench {

struct child_result {
  bool has_started = false;  // false: the program could not be run (`output` says why)
  bool is_timed_out = false;
  int exit_code = -1;        // -1 when it ended by a signal (or did not start)
  std::string output;        // its standard output; its standard error goes to ours
};

/// Runs `argv` (argv[0] a path) with `env` added to (or replacing in) this process's environment,
/// in a process group of its own. After `timeout` seconds the group gets SIGTERM, and SIGKILL
/// five seconds later. Never throws.
child_result run_child(const std::vector<std::string>& argv,
                       const std::vector<std::pair<std::string, std::string>>& env, double timeout);

/// The path of `name` on PATH, or empty.
std::string find_on_path(const std::string& name);

}  // namespace taskhub_bench
