// SPDX-License-Identifier: MIT
// Part of taskhub.
// Task files: one shell command per line, or JSON objects, one per line, with `cmd`, `cwd`,
// `env`, `retries`, `timeout` and `tags`. Blank lines and lines starting with # are skipped.
#pragma once

#include <string>
#include <vector>

#include "command.hpp"

namespace farm {

struct task_line {
  command cmd;
  int retries = -1;  // -1: the farm's default
  std::vector<std::string> tags;
};

struct task_file {
  std::vector<task_line> tasks;
  std::vector<std::string> problems;  // "FILE:LINE: what is wrong", one per bad line
};

/// Reads `path`; a file that cannot be read is one problem.
task_file read_task_file(const std::string& path);

}  // namespace farm
