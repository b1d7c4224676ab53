// SPDX-License-Identifier: MIT
// Part of taskhub.
// METG, Task Bench's measure of a runtime's overhead: the minimum effective task granularity,
// the shortest task for which a run is still at least 50% efficient.
#pragma once

#include <functional>
#include <vector>

namespace taskhub_bench {

struct metg_point {
  double ms = 0;          // the tasks' duration
  double efficiency = 0;  // what the run of such tasks gave
};

struct metg_sweep {
  double ms = 0;  // the shortest duration tried that was at least 50% efficient; 0: none was
  bool is_at_floor = false;  // the shortest duration tried at all was efficient: METG is at most ms
  std::vector<metg_point> points;  // in the order tried
};

/// Finds METG with as few runs as it can: from `start_ms`, halves the duration while runs stay
/// efficient (down to `min_ms`) or doubles it while they do not (up to `max_ms`), then narrows the
/// last factor of 2 by `refinements` geometric bisections. `efficiency_at(ms)` runs tasks of `ms`
/// milliseconds and returns their efficiency (efficiency grows with the duration, give or take
/// the noise).
metg_sweep find_metg(const std::function<double(double)>& efficiency_at, double start_ms,
                     double min_ms, double max_ms, int refinements);

}  // namespace taskhub_bench
