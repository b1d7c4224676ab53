// SPDX-License-Identifier: MIT
// Part of taskhub.
// How the hub picks an engine for a ready task (IPython parallel's schemes, and your own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace taskhub {

/// An engine the hub may send the task to, and how busy it is.
struct engine_load {
  int rank;
  int outstanding;         // tasks sent and not yet answered
  std::uint64_t last_used;  // when it was last given a task (larger is more recent)
};

/// A scheduling scheme: picks one of the candidates (never empty) and returns its index.
///
/// ```
/// struct highest_rank : taskhub::scheme {
///   std::size_t choose(const std::vector<taskhub::engine_load>& c) override { return c.size() - 1; }
/// };
/// taskhub::run_options opts;
/// opts.scheme = std::make_shared<highest_rank>();
/// ```
class scheme {
 public:
  virtual ~scheme() = default;
  virtual std::size_t choose(const std::vector<engine_load>& candidates) = 0;
};

/// The built-in schemes by name: "leastload" (fewest outstanding, least recently used among
/// equals; the default), "warm" (fewest outstanding, most recently used among equals: faster
/// lone round trips, but one-at-a-time work stays on one engine), "lru", "plainrandom", "twobin" (two at random, the less recently used),
/// "weighted" (two at random weighted by inverse load, the less loaded). Throws taskhub::error
/// for another name.
std::shared_ptr<scheme> make_scheme(const std::string& name);

}  // namespace taskhub
