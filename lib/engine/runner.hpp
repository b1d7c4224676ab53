// SPDX-License-Identifier: MIT
// Part of taskhub.
// A runner: the process in which an engine runs its isolated tasks, so that a task that crashes,
// exits or runs out of memory ends the runner, not the engine. They share a region of memory
// (the task's function and arguments one way, its outcome the other) and wake each other through
// a socket, whose end of file also tells the engine that its runner has died.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/shared_region.hpp"
#include "taskhub/detail/codec.hpp"

namespace taskhub::detail {

/// How a task in a runner failed: a type name (a taskhub::failure or the exception's type) and
/// its message; an empty type means it succeeded.
struct runner_failure {
  std::string type, message;
};

/// A task for the runner: its function and its encoded arguments.
struct runner_task {
  std::uint64_t handler;
  const char* args;
  std::size_t size;
};

/// A task's outcome: its failure, or (valid during the call that hands it over) its result.
struct runner_outcome {
  runner_failure failure;
  const char* result = nullptr;
  std::size_t size = 0;
  std::int64_t started_us = 0, completed_us = 0;
};

/// The engine's side of its runner. The runner starts with the first task and is replaced after
/// one ends it.
class runner {
 public:
  /// A runner forked by this process's zygote, with at most `memory_limit` bytes of address
  /// space (0: no limit).
  explicit runner(std::size_t memory_limit) : memory_limit_(memory_limit) {}
  ~runner();
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;

  using take_fn = std::function<void(std::size_t, const runner_outcome&)>;
  /// Runs `tasks` in order in the runner, one exchange for the batch, for the engine of `rank`;
  /// hands each outcome to `take` with the task's index. A task that ends the runner fails with
  /// failure::task_crash, saying how, and a new runner runs the tasks after it.
  void run(const std::vector<runner_task>& tasks, int rank, const take_fn& take);

 private:
  void start();
  std::string end_of_runner();
  std::string limit_text() const;

  const std::size_t memory_limit_;
  std::unique_ptr<shared_region> region_;
  int socket_ = -1;
  pid_t pid_ = 0;
};

/// How a process ended, from its wait status: "killed by signal 11 (SIGSEGV)", "aborted
/// (SIGABRT)", "exited with status 3", ...
std::string describe_end(int wait_status);

/// The rank of the engine whose task this runner process runs, or -1 outside a runner.
int isolated_rank();

/// A runner's loop: runs each batch of tasks the engine puts in the region behind `region_fd`,
/// on the engine's word through `socket_fd`, until the engine closes it. `memory_limit` is the
/// limit the zygote set (0: none), for the message of a task that passes it.
[[noreturn]] void serve_runner(int region_fd, int socket_fd, std::size_t memory_limit);

}  // namespace taskhub::detail
