// SPDX-License-Identifier: MIT
// Part of taskhub.
// Ending what a command leaves behind: its process group and the descendants the engine adopts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

namespace farm {

/// The processes of one command while it runs. The first one makes this process a child
/// sub-reaper, so a command's background children (in its group or in sessions of their own)
/// become children of the engine when their parent ends, and `end_rest` finds them: by the
/// variable `marker()` that every command and its descendants inherit, or, when no other command
/// runs in this process, as any child that is neither a command's shell nor one this process had
/// before its first command (Open MPI's own).
class command_processes {
 public:
  command_processes();
  ~command_processes();
  command_processes(const command_processes&) = delete;
  command_processes& operator=(const command_processes&) = delete;

  /// "TASKHUB_FARM_COMMAND=<pid>.<n>", for the command's environment.
  const std::string& marker() const { return marker_; }

  /// Starts the command's shell with `spawn` (which returns 0 or an errno value and sets the
  /// pid), so that no other command of this process takes it for a leftover meanwhile.
  int start(const std::function<int(pid_t&)>& spawn);
  pid_t shell() const { return shell_; }

  /// Once the shell has ended (and before it is reaped, so its group cannot be reused): sends
  /// SIGTERM to its group and every leftover descendant, SIGKILL to what is still there at
  /// `kill_at`, and reaps them. Returns when none is left (or 10 s after `kill_at`).
  void end_rest(std::chrono::steady_clock::time_point kill_at);

  /// The shell is reaped: the farm no longer owns its pid.
  void reaped();

 private:
  std::string marker_;
  pid_t shell_ = -1;
};

}  // namespace farm
