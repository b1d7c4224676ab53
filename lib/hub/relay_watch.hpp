// SPDX-License-Identifier: MIT
// Part of taskhub.
// A sub-hub's watch on the engines it relays to, which share its node: when one's process ends
// and the launcher lets the run go on (hub/death_watch.hpp), the sub-hub stops relaying to it and
// tells its parent with a `died` record in that engine's part of the next message up, so the root
// takes it for dead as if it had watched the engine itself.
#pragma once

#include <chrono>
#include <vector>

#include "hub/death_watch.hpp"
#include "taskhub/detail/codec.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

class relay_watch {
 public:
  /// `engines`: the ranks relayed to; `pids`: their processes, in the same order.
  relay_watch(std::vector<int> engines, std::vector<long> pids);

  /// Once a sweep: forgets in `t` each engine dead since the last call and appends a part for
  /// the parent to `up`; returns whether it did.
  bool check(transport& t, bytes& up);
  /// Time until the next look.
  std::chrono::microseconds until_due() const { return deaths_.until_due(); }

 private:
  const std::vector<int> engines_;
  const std::vector<long> pids_;
  death_watch deaths_;
};

}  // namespace taskhub::detail
