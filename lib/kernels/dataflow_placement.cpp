// SPDX-License-Identifier: MIT
// Part of taskhub.
// The dataflow kernel's placement: which engines run which stages, by cost.
#include <algorithm>
#include <numeric>

#include "taskhub/error.hpp"
#include "taskhub/kernels/dataflow.hpp"

namespace taskhub::kernels::detail {

std::vector<segment_plan> plan_pipeline(const std::vector<stage_traits>& stages, int engines) {
  engines = std::max(1, engines);
  std::vector<segment_plan> plan;
  const int n = static_cast<int>(stages.size());
  int base = 0;  // the place of the previous segment's last level
  int a = 0;
  while (a < n) {
    int b = a + 1;
    while (b < n - 1 && !stages[static_cast<std::size_t>(b)].is_whole_stream) ++b;
    b = std::min(b, n - 1);
    if (a == n - 1) b = a;
    segment_plan seg;
    seg.starts_with_emit = stages[static_cast<std::size_t>(a)].is_whole_stream && a > 0;
    seg.ends_with_collect = stages[static_cast<std::size_t>(b)].is_whole_stream && b > a;
    struct group {
      int first, last;
      double cost;
      bool is_replicable;
      int replicas = 1;
    };
    std::vector<group> groups;
    for (int i = a; i <= b; ++i) {
      const auto& t = stages[static_cast<std::size_t>(i)];
      const bool is_single = t.is_stateful || t.is_whole_stream || i == b;
      if (!is_single && !groups.empty() && groups.back().is_replicable) {
        groups.back().last = i;
        groups.back().cost += t.cost;
      } else {
        groups.push_back({i, i, t.cost, !is_single});
      }
    }
    // Fewer engines than groups: neighbours with the least cost together share one.
    while (static_cast<int>(groups.size()) > engines) {
      std::size_t best = 0;
      for (std::size_t g = 1; g + 1 < groups.size(); ++g)
        if (groups[g].cost + groups[g + 1].cost < groups[best].cost + groups[best + 1].cost) best = g;
      groups[best].last = groups[best + 1].last;
      groups[best].cost += groups[best + 1].cost;
      groups[best].is_replicable = groups[best].is_replicable && groups[best + 1].is_replicable;
      groups.erase(groups.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
    // Spare engines: to the stateless group with the most cost per engine.
    for (int spare = engines - static_cast<int>(groups.size()); spare > 0; --spare) {
      group* best = nullptr;
      for (auto& g : groups)
        if (g.is_replicable && (!best || g.cost / g.replicas > best->cost / best->replicas)) best = &g;
      if (!best) break;
      ++best->replicas;
    }
    int place = base;
    for (const auto& g : groups) {
      level l;
      l.first_stage = g.first;
      l.last_stage = g.last;
      l.replicas = g.replicas;
      l.first_place = place % engines;
      place += g.replicas;
      seg.levels.push_back(l);
    }
    base = seg.levels.back().first_place;
    const bool is_done = b == n - 1 && !seg.ends_with_collect;
    plan.push_back(std::move(seg));
    if (is_done) break;
    a = b;
  }
  return plan;
}

}  // namespace taskhub::kernels::detail
