// SPDX-License-Identifier: MIT
// Part of taskhub.
// Watching other processes of the run on this host: a pidfd per process, readable once it ends.
// Only processes that run this very program are watched, so a process of another container that
// happens to share a number is never taken for one of ours.
#pragma once

#include <vector>

namespace taskhub::detail {

class process_watch {
 public:
  /// Watches each process of `pids` that runs this program (0 or a negative number: none).
  explicit process_watch(const std::vector<long>& pids);
  ~process_watch();
  process_watch(const process_watch&) = delete;
  process_watch& operator=(const process_watch&) = delete;

  /// Whether any process is watched.
  bool is_watching() const;
  /// The positions in `pids` of the watched processes that have ended; never blocks.
  std::vector<std::size_t> ended() const;
  /// Blocks until one watched process ends or `stop()` is called; returns its position, or -1.
  long wait_for_end() const;
  /// Waits up to `ms` milliseconds for stop(); returns whether it came.
  bool wait_for_stop(int ms) const;
  /// Ends a wait_for_end() on another thread (once; later waits return -1 at once).
  void stop();

 private:
  std::vector<int> fds_;  // per position; -1: not watched
  int stop_fd_ = -1;      // an eventfd
};

}  // namespace taskhub::detail
