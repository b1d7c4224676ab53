// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-bench's METG sweep (drivers/bench/metg.hpp) against runs whose efficiency is known.
#include "metg.hpp"

#include <gtest/gtest.h>

#include <cmath>

using taskhub_bench::find_metg;

namespace {

// Runs that are 80% efficient from `step` ms on and 20% below.
auto step_at(double step) {
  return [step](double ms) { return ms >= step ? 0.8 : 0.2; };
}

}  // namespace

TEST(Metg, DoublesUpToTheStepThenNarrowsIt) {
  const auto s = find_metg(step_at(3), 1, 1.0 / 16, 256, 2);
  EXPECT_GE(s.ms, 3);
  EXPECT_LT(s.ms, 3 * std::pow(2, 0.25));
  EXPECT_FALSE(s.is_at_floor);
  ASSERT_EQ(s.points.size(), 5u);  // 1, 2, 4, then two bisections
  EXPECT_EQ(s.points[2].ms, 4);
}

TEST(Metg, HalvesDownToTheStepThenNarrowsIt) {
  const auto s = find_metg(step_at(0.3), 1, 1.0 / 16, 256, 2);
  EXPECT_GE(s.ms, 0.3);
  EXPECT_LT(s.ms, 0.3 * std::pow(2, 0.25));
  for (const auto& p : s.points) EXPECT_EQ(p.efficiency >= 0.5, p.ms >= 0.3);
}

TEST(Metg, SaysWhenEveryDurationTriedWasEfficient) {
  const auto s = find_metg(step_at(0), 1, 1.0 / 16, 256, 2);
  EXPECT_EQ(s.ms, 1.0 / 16);
  EXPECT_TRUE(s.is_at_floor);
}

TEST(Metg, SaysWhenNoDurationWasEfficient) {
  const auto s = find_metg(step_at(1000), 1, 1.0 / 16, 256, 2);
  EXPECT_EQ(s.ms, 0);
  EXPECT_EQ(s.points.size(), 9u);  // 1 to 256 ms
  EXPECT_EQ(s.points.back().ms, 256);
}
