// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a run waits for: the unfinished tasks and what each waits on, the engines and what they
// run or wait for, a deadlock of nested waits when there is one, and the same as a DOT graph.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "hub/task_flow.hpp"

namespace taskhub::detail {

struct wait_report {
  std::string text;  // lines, each ending in '\n'
  std::string dot;   // the graph of unfinished tasks (Graphviz DOT)
  std::size_t unfinished = 0;
  bool has_deadlock = false;
};

/// Builds the report from the hub's table and engines, on the hub thread. `hosts` and `silences`
/// are per engine, in engine order; a silence, when not empty, says why the engine is not
/// answering.
wait_report report_waits(const task_flow& flow, const std::vector<std::string>& hosts,
                         const std::vector<std::string>& silences);

}  // namespace taskhub::detail
