// SPDX-License-Identifier: MIT
// Part of taskhub.
// The process that forks runner processes for isolated tasks. It is forked before MPI starts
// (forking a process that runs MPI is unsafe), never touches MPI, and dies with its parent.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <mutex>

namespace taskhub::detail {

class zygote {
 public:
  /// Forks the zygote unless one runs. Call it while the process has one thread, before MPI_Init.
  static void start();
  /// The zygote of this process, or null when none was started.
  static zygote* get();

  /// Forks a runner serving on `region_fd` and `socket_fd` (see runner.hpp) with at most
  /// `memory_limit` bytes of address space (0: no limit); returns its pid. Throws taskhub::error.
  pid_t spawn(int region_fd, int socket_fd, std::size_t memory_limit);
  /// How the runner `pid` ended, as a wait status; one still alive after 2 s is killed first.
  int reap(pid_t pid);

 private:
  explicit zygote(int socket_fd) : socket_(socket_fd) {}
  long ask(int op, long value, std::size_t memory_limit, const int* fds, int fd_count);

  std::mutex m_;  // engine threads share the zygote in single-process mode
  const int socket_;
};

}  // namespace taskhub::detail
