// SPDX-License-Identifier: MIT
// Part of taskhub.
// The names of a task's states.
#include "taskhub/task_record.hpp"

namespace taskhub {

const char* to_string(task_state s) {
  switch (s) {
    case task_state::waiting: return "waiting";
    case task_state::ready: return "ready";
    case task_state::queued: return "queued";
    case task_state::running: return "running";
    case task_state::done: return "done";
    case task_state::failed: return "failed";
    case task_state::aborted: return "aborted";
  }
  return "unknown";
}

}  // namespace taskhub
