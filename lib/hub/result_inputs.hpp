// SPDX-License-Identifier: MIT
// Part of taskhub.
// Results as arguments on the hub: reading which results a task takes, filling its inputs block
// when it goes to an engine, and asking the engines that keep results to send them there.
#pragma once

#include <cstdint>
#include <string>

#include "hub/scheduler.hpp"
#include "taskhub/detail/runtime.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

/// Bytes of results that went into tasks' arguments.
struct input_counts {
  std::uint64_t carried = 0;    // by the hub (results that had come back to rank 0)
  std::uint64_t forwarded = 0;  // from the engine that kept them to the one that needed them
  std::uint64_t local = 0;      // read where they were kept
};

/// Reads the inputs block of a submitted task into t.hub.inputs; returns why it cannot ("" when
/// it can, or when the task takes no results).
std::string read_task_inputs(task_data& t);
/// Why `t` cannot have one of its inputs: kept on an engine that is gone ("" when it can).
std::string lost_input(const task_data& t, scheduler& engines);
/// `t` goes to engine t.engine: writes its inputs block (results the hub holds carried in it,
/// kept ones named) and asks the engines that keep the others to send them there.
void fill_inputs(task_data& t, transport& to_engines, input_counts& counts);

}  // namespace taskhub::detail
