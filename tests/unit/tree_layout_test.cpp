// SPDX-License-Identifier: MIT
// Part of taskhub.
// Which rank does what in a tree of sub-hubs.
#include "run/tree_layout.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace taskhub::detail {
namespace {

using role = tree_layout::role;

TEST(tree_layout, without_a_fanout_the_root_serves_every_engine) {
  const auto t = lay_out_tree({7, 7, 8, 8, 9}, 0);
  EXPECT_FALSE(t.is_tree());
  EXPECT_EQ(t.engines, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(t.via, (std::vector<int>{-1, -1, -1, -1, -1}));
  EXPECT_EQ(t.center, (std::vector<int>{-1, 0, 0, 0, 0}));
}

TEST(tree_layout, no_more_engines_than_the_fanout_stays_flat) {
  const auto t = lay_out_tree({1, 2, 3}, 2);
  EXPECT_FALSE(t.is_tree());
  EXPECT_EQ(t.engines, (std::vector<int>{1, 2}));
}

TEST(tree_layout, each_node_gets_sub_hubs_for_groups_of_fanout_engines) {
  // Nodes of 3: {0,1,2} {3,4,5} {6,7,8}; fan-out 2. The root's node is grouped like the others,
  // and the three sub-hubs are more than 2: 3 goes under 1.
  const auto t = lay_out_tree({5, 5, 5, 6, 6, 6, 4, 4, 4}, 2);
  EXPECT_TRUE(t.is_tree());
  EXPECT_EQ(t.role_of(0), role::hub);
  EXPECT_EQ(t.role_of(1), role::sub_hub);
  EXPECT_EQ(t.role_of(3), role::sub_hub);
  EXPECT_EQ(t.role_of(6), role::sub_hub);
  EXPECT_EQ(t.engines, (std::vector<int>{2, 4, 5, 7, 8}));
  EXPECT_EQ(t.via, (std::vector<int>{-1, -1, 1, 1, 1, 1, -1, 6, 6}));
  EXPECT_EQ(t.center, (std::vector<int>{-1, 0, 1, 1, 3, 3, 0, 6, 6}));
  EXPECT_EQ(t.levels(), 2);
  EXPECT_EQ(t.via_from(1), (std::vector<int>{-1, -1, -1, -1, 3, 3, -1, -1, -1}));
}

TEST(tree_layout, groups_on_a_node_and_lone_ranks) {
  // One node of 7 and a node of one rank; fan-out 2: {1: 2, 3} {4: 5, 6}, and 7 alone.
  const auto t = lay_out_tree({1, 1, 1, 1, 1, 1, 1, 2}, 2);
  EXPECT_EQ(t.engines, (std::vector<int>{2, 3, 5, 6, 7}));
  EXPECT_EQ(t.role_of(1), role::sub_hub);
  EXPECT_EQ(t.role_of(4), role::sub_hub);
  EXPECT_EQ(t.via[7], -1);  // a group of one: no sub-hub for it
  EXPECT_EQ(t.via[5], 4);
  EXPECT_EQ(t.center[7], 0);
}

TEST(tree_layout, more_sub_hubs_than_the_fanout_make_another_level) {
  // 8 nodes of 3 ranks, fan-out 2: 8 sub-hubs (1, 4, ..., 22; rank 0 shares the first node, so
  // its sub-hub is rank 1 with engine 2), then 4, then 2 at the top: three levels.
  std::vector<unsigned long long> nodes;
  for (int r = 0; r < 24; ++r) nodes.push_back(static_cast<unsigned long long>(r / 3));
  const auto t = lay_out_tree(nodes, 2);
  EXPECT_EQ(t.levels(), 3);
  int talking_to_root = 0;
  for (std::size_t r = 1; r < t.center.size(); ++r) talking_to_root += t.center[r] == 0;
  EXPECT_LE(talking_to_root, 2);
  // Every engine's messages reach the root through the first hop `via` names, and each sub-hub
  // hands them on to the child that leads there.
  for (int e : t.engines) {
    int at = t.via[static_cast<std::size_t>(e)];
    ASSERT_GT(at, 0) << e;
    for (int hops = 0; at != t.center[static_cast<std::size_t>(e)]; ++hops) {
      ASSERT_LT(hops, 5);
      const auto below = t.via_from(at);
      ASSERT_GT(below[static_cast<std::size_t>(e)], 0) << "engine " << e << " at " << at;
      at = below[static_cast<std::size_t>(e)];
    }
    EXPECT_EQ(t.via_from(at)[static_cast<std::size_t>(e)], -1);  // its own sub-hub serves it
  }
}

}  // namespace
}  // namespace taskhub::detail
