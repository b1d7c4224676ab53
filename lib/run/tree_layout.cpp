// SPDX-License-Identifier: MIT
// Part of taskhub.
// Which rank does what in a tree of sub-hubs.
#include "run/tree_layout.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <string>

#include "core/mpi_check.hpp"
#include "core/node_name.hpp"

namespace taskhub::detail {

std::vector<int> tree_layout::via_from(int hub) const {
  std::vector<int> via_of(center.size(), -1);
  for (std::size_t r = 0; r < center.size(); ++r) {
    int below = static_cast<int>(r);  // walks up from r until its parent is `hub`
    while (below > 0 && center[static_cast<std::size_t>(below)] != hub)
      below = center[static_cast<std::size_t>(below)];
    if (below > 0 && below != static_cast<int>(r)) via_of[r] = below;
  }
  return via_of;
}

int tree_layout::levels() const {
  int most = 0;
  for (std::size_t r = 1; r < center.size(); ++r) {
    int n = 0;
    for (int at = center[r]; at > 0; at = center[static_cast<std::size_t>(at)]) ++n;
    most = std::max(most, n);
  }
  return most;
}

tree_layout lay_out_tree(const std::vector<unsigned long long>& node_of, int fanout) {
  const int size = static_cast<int>(node_of.size());
  tree_layout t;
  t.roles.assign(node_of.size(), tree_layout::role::engine);
  t.center.assign(node_of.size(), 0);
  if (size == 0) return t;
  t.roles[0] = tree_layout::role::hub;
  t.center[0] = -1;
  if (fanout > 0 && size - 1 > fanout) {
    const auto k = static_cast<std::size_t>(fanout);
    // The ranks of each node (the root aside), in rank order, in groups of a sub-hub and up to
    // K engines.
    std::map<unsigned long long, std::vector<int>> by_node;
    for (int r = 1; r < size; ++r) by_node[node_of[static_cast<std::size_t>(r)]].push_back(r);
    std::vector<int> top;  // the sub-hubs that talk to the root
    for (auto& [node, ranks] : by_node) {
      for (std::size_t at = 0; at < ranks.size(); at += 1 + k) {
        const std::size_t end = std::min(ranks.size(), at + 1 + k);
        if (end - at < 2) continue;  // a lone rank stays the root's engine
        const int hub = ranks[at];
        t.roles[static_cast<std::size_t>(hub)] = tree_layout::role::sub_hub;
        top.push_back(hub);
        for (std::size_t i = at + 1; i < end; ++i)
          t.center[static_cast<std::size_t>(ranks[i])] = hub;
      }
    }
    // Levels above: sub-hubs in groups of K under the first of each group.
    while (top.size() > k) {
      std::sort(top.begin(), top.end());
      std::vector<int> next;
      for (std::size_t at = 0; at < top.size(); at += k) {
        next.push_back(top[at]);
        for (std::size_t i = at + 1; i < std::min(top.size(), at + k); ++i)
          t.center[static_cast<std::size_t>(top[i])] = top[at];
      }
      top.swap(next);
    }
  }
  t.via = t.via_from(0);
  for (int r = 1; r < size; ++r)
    if (t.roles[static_cast<std::size_t>(r)] == tree_layout::role::engine) t.engines.push_back(r);
  return t;
}

tree_layout lay_out_tree(MPI_Comm world, int fanout) {
  int size = 0;
  MPI_Comm_size(world, &size);
  unsigned long long mine = std::hash<std::string>()(node_name());
  std::vector<unsigned long long> all(static_cast<std::size_t>(size));
  check_mpi(
      MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, all.data(), 1, MPI_UNSIGNED_LONG_LONG, world),
      "MPI_Allgather");
  return lay_out_tree(all, fanout);
}

}  // namespace taskhub::detail
