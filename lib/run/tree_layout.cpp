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

tree_layout lay_out_tree(const std::vector<unsigned long long>& node_of, int fanout) {
  const int size = static_cast<int>(node_of.size());
  tree_layout t;
  t.roles.assign(node_of.size(), tree_layout::role::engine);
  t.via.assign(node_of.size(), -1);
  t.center.assign(node_of.size(), 0);
  if (size == 0) return t;
  t.roles[0] = tree_layout::role::hub;
  t.center[0] = -1;
  if (fanout > 0 && size - 1 > fanout) {
    // The engines of each node, in rank order.
    std::map<unsigned long long, std::vector<int>> by_node;
    for (int r = 1; r < size; ++r) by_node[node_of[static_cast<std::size_t>(r)]].push_back(r);
    for (auto& [node, ranks] : by_node) {
      std::size_t at = 0;
      if (node == node_of[0])
        at = std::min<std::size_t>(ranks.size(), static_cast<std::size_t>(fanout));
      while (at < ranks.size()) {
        const std::size_t end = std::min(ranks.size(), at + 1 + static_cast<std::size_t>(fanout));
        if (end - at >= 2) {  // a sub-hub and its engines; a lone rank stays the root's
          const int hub = ranks[at];
          t.roles[static_cast<std::size_t>(hub)] = tree_layout::role::sub_hub;
          for (std::size_t i = at + 1; i < end; ++i) {
            t.via[static_cast<std::size_t>(ranks[i])] = hub;
            t.center[static_cast<std::size_t>(ranks[i])] = hub;
          }
        }
        at = end;
      }
    }
  }
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
