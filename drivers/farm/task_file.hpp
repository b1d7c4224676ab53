// SPDX-License-Identifier: MIT
// Part of taskhub.
// Task files: one shell command per line, or JSON objects, one per line, with `cmd`, `cwd`,
// `env`, `retries`, `timeout` and `tags`. Blank lines and lines starting with # are skipped.
#pragma once

#include <string>
#include <vector>

#include "command.hpp"

namespace farm {

/// Limits of a task line, the same for the flags that set their defaults.
inline constexpr std::size_t max_line_bytes = 64 * 1024;  // a command is one argument of
                                                          // execve, which Linux caps at 128 KiB
inline constexpr long long max_retries = 1000;
inline constexpr double max_timeout = 1e7;  // seconds (116 days)

struct task_line {
  command cmd;
  int retries = -1;  // -1: the farm's default
  std::vector<std::string> tags;
};

struct task_file {
  std::vector<task_line> tasks;
  std::vector<std::string> problems;  // "FILE:LINE: what is wrong", one per bad line
  std::string failure;  // "FILE: cannot be read...": the file as a whole, which nothing skips
};

/// Reads `path`. A file that cannot be read to its end (a directory, a read error part-way)
/// sets `failure`; each bad line adds a problem, a line longer than `max_line_bytes` too.
task_file read_task_file(const std::string& path);

}  // namespace farm
