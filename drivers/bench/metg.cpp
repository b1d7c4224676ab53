// SPDX-License-Identifier: MIT
// Part of taskhub.
// METG: the shortest task duration that is still at least 50% efficient.
#include "metg.hpp"

#include <cmath>

namespace taskhub_bench {

metg_sweep find_metg(const std::function<double(double)>& efficiency_at, double start_ms,
                     double min_ms, double max_ms, int refinements) {
  metg_sweep s;
  auto is_efficient = [&](double ms) {
    const double e = efficiency_at(ms);
    s.points.push_back({ms, e});
    return e >= 0.5;
  };
  double good = 0, bad = 0;  // an efficient duration and a shorter one that is not; 0: none yet
  if (is_efficient(start_ms)) {
    good = start_ms;
    while (bad == 0) {
      if (good / 2 < min_ms) {
        s.ms = good;
        s.is_at_floor = true;
        return s;
      }
      if (is_efficient(good / 2)) good /= 2;
      else bad = good / 2;
    }
  } else {
    bad = start_ms;
    while (good == 0) {
      if (bad * 2 > max_ms) return s;  // no duration up to max_ms was efficient
      if (is_efficient(bad * 2)) good = bad * 2;
      else bad *= 2;
    }
  }
  for (int i = 0; i < refinements; ++i) {
    const double middle = std::sqrt(good * bad);
    if (is_efficient(middle)) good = middle;
    else bad = middle;
  }
  s.ms = good;
  return s;
}

}  // namespace taskhub_bench
