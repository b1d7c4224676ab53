// SPDX-License-Identifier: MIT
// Part of taskhub.
// A rank told to end from outside: SIGTERM, which mpirun sends every rank when one of them dies
// (and srun on scancel or a time limit).
#pragma once

#include <functional>
#include <thread>

namespace taskhub::detail {

/// While it lives, SIGTERM runs `on_signal` on a thread of its own (not in the handler, so it
/// may lock, print and write files), then ends the process by SIGTERM as before. One at a time.
class termination_watch {
 public:
  explicit termination_watch(std::function<void()> on_signal);
  ~termination_watch();
  termination_watch(const termination_watch&) = delete;
  termination_watch& operator=(const termination_watch&) = delete;

 private:
  std::function<void()> on_signal_;
  int pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace taskhub::detail
