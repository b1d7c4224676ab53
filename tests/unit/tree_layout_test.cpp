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

TEST(tree_layout, each_other_node_gets_sub_hubs_for_groups_of_fanout_engines) {
  // Nodes of 3: {0,1,2} {3,4,5} {6,7,8}; fan-out 2.
  const auto t = lay_out_tree({5, 5, 5, 6, 6, 6, 4, 4, 4}, 2);
  EXPECT_TRUE(t.is_tree());
  EXPECT_EQ(t.role_of(0), role::hub);
  EXPECT_EQ(t.role_of(3), role::sub_hub);
  EXPECT_EQ(t.role_of(6), role::sub_hub);
  EXPECT_EQ(t.engines, (std::vector<int>{1, 2, 4, 5, 7, 8}));
  EXPECT_EQ(t.via, (std::vector<int>{-1, -1, -1, -1, 3, 3, -1, 6, 6}));
  EXPECT_EQ(t.center, (std::vector<int>{-1, 0, 0, 0, 3, 3, 0, 6, 6}));
}

TEST(tree_layout, the_roots_node_beyond_the_fanout_and_lone_ranks) {
  // One node of 7 and a node of one rank; fan-out 2: the root serves 1, 2 and the lone 7.
  const auto t = lay_out_tree({1, 1, 1, 1, 1, 1, 1, 2}, 2);
  EXPECT_EQ(t.engines, (std::vector<int>{1, 2, 4, 5, 6, 7}));
  EXPECT_EQ(t.role_of(3), role::sub_hub);
  EXPECT_EQ(t.role_of(6), role::engine);  // a group of one: no sub-hub for it
  EXPECT_EQ(t.via[6], -1);
  EXPECT_EQ(t.via[7], -1);
  EXPECT_EQ(t.via[4], 3);
}

}  // namespace
}  // namespace taskhub::detail
