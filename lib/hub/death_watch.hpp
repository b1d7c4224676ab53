// SPDX-License-Identifier: MIT
// Part of taskhub.
// A hub's watch on the processes of the ranks it serves that share its host (the root's engines
// and sub-hubs, a sub-hub's engines): a rank whose process has ended, and whose end has not
// brought the launcher's SIGTERM within a grace period (as `mpirun --enable-recovery` or
// `srun --kill-on-bad-exit=0` allow), is dead to the run, which goes on without it.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/process_watch.hpp"

namespace taskhub::detail {

class death_watch {
 public:
  /// `pids`: per watched rank, in the caller's order; 0 for one on another host.
  explicit death_watch(const std::vector<long>& pids);

  /// On the hub's thread, once a pass: the ranks (positions in `pids`) dead to the run since the
  /// last call.
  std::vector<std::size_t> check();
  /// Time until the next look (the longest the hub may sleep meanwhile).
  std::chrono::microseconds until_due() const;

 private:
  process_watch processes_;
  std::vector<std::int64_t> ended_ns_;  // per rank: when its end was seen; 0: not seen
  std::vector<bool> is_told_;
  std::int64_t next_check_ns_ = 0;
  std::int64_t grace_ns_;  // how long an ended rank waits for the launcher's SIGTERM
};

}  // namespace taskhub::detail
