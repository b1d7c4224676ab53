// SPDX-License-Identifier: MIT
// Part of taskhub.
// Which rank does what in a tree of sub-hubs. Ranks are grouped by node (core/node_name.hpp);
// with a fan-out K, the root serves up to K engines of its own node itself, and every other group
// of up to K engines on one node gets a sub-hub, the group's first rank, which relays between the
// root and them. With K = 0, or no more engines than K, the run is flat: the root serves every
// engine.
#pragma once

#include <mpi.h>

#include <vector>

namespace taskhub::detail {

struct tree_layout {
  enum class role { hub, sub_hub, engine };
  std::vector<role> roles;   // per rank
  std::vector<int> engines;  // the engines' ranks, in order
  std::vector<int> via;      // per rank: the sub-hub that relays to it; -1: none
  std::vector<int> center;   // per rank: the rank it talks to (0 or its sub-hub); -1 for rank 0
  role role_of(int rank) const { return roles[static_cast<std::size_t>(rank)]; }
  bool is_tree() const { return engines.size() + 1 < roles.size(); }
};

/// Lays out `node_of` (per rank, a key of its node; rank 0 is the root) with fan-out `fanout`.
tree_layout lay_out_tree(const std::vector<unsigned long long>& node_of, int fanout);

/// The same from every rank's node, gathered over `world` (collective).
tree_layout lay_out_tree(MPI_Comm world, int fanout);

}  // namespace taskhub::detail
