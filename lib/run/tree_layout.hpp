// SPDX-License-Identifier: MIT
// Part of taskhub.
// Which rank does what in a tree of sub-hubs. Ranks are grouped by node (core/node_name.hpp);
// with a fan-out K, each group of up to K engines on one node gets a sub-hub, the group's first
// rank, which relays between its parent and them (over lanes, when they share the node). When
// there are more sub-hubs than K, they are grouped by K in turn under the first of each group,
// level by level, so that the root talks to at most about K ranks. A lone rank on a node stays
// the root's. With K = 0, or no more engines than K, the run is flat: the root serves every
// engine.
#pragma once

#include <mpi.h>

#include <vector>

namespace taskhub::detail {

struct tree_layout {
  enum class role { hub, sub_hub, engine };
  std::vector<role> roles;   // per rank
  std::vector<int> engines;  // the engines' ranks, in order
  std::vector<int> via;      // per rank: the root's child that relays to it; -1: none
  std::vector<int> center;   // per rank: its parent, the rank it talks to; -1 for rank 0
  role role_of(int rank) const { return roles[static_cast<std::size_t>(rank)]; }
  bool is_tree() const { return engines.size() + 1 < roles.size(); }
  /// Per rank: the child of `hub` that relays to it, or -1 for `hub`'s own children and the
  /// ranks not below it.
  std::vector<int> via_from(int hub) const;
  /// How many levels of sub-hubs lie between the root and its farthest engine.
  int levels() const;
};

/// Lays out `node_of` (per rank, a key of its node; rank 0 is the root) with fan-out `fanout`.
tree_layout lay_out_tree(const std::vector<unsigned long long>& node_of, int fanout);

/// The same from every rank's node, gathered over `world` (collective).
tree_layout lay_out_tree(MPI_Comm world, int fanout);

}  // namespace taskhub::detail
