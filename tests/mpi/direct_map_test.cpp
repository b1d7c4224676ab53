// SPDX-License-Identifier: MIT
// Part of taskhub.
// map on a direct view: the input split into contiguous parts, one per engine in view order.
#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "fixture.hpp"

namespace direct_map_test {

class direct_map : public taskhub_test::hub_test {};

std::pair<int, int> with_engine(int x) { return {x, taskhub::engine::rank()}; }
int fail_on_seven(int x) {
  if (x == 7) throw std::runtime_error("seven");
  return x;
}

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST_F(direct_map, items_are_split_into_contiguous_parts_in_view_order) {
  std::vector<int> ranks = hub.engines();
  std::reverse(ranks.begin(), ranks.end());
  const int n = 11;
  auto got = hub.view(ranks).map<&with_engine>(iota(n)).get();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  // Parts as scatter makes them: the first n % k parts hold one item more.
  const std::size_t k = ranks.size(), base = n / k, extra = n % k;
  std::size_t i = 0;
  for (std::size_t part = 0; part < k; ++part) {
    for (std::size_t j = 0; j < base + (part < extra ? 1 : 0); ++j, ++i) {
      EXPECT_EQ(got[i].first, static_cast<int>(i));
      EXPECT_EQ(got[i].second, ranks[part]) << "item " << i;
    }
  }
  EXPECT_EQ(i, got.size());
}

TEST_F(direct_map, a_failed_item_is_a_failed_task_and_the_others_finish) {
  auto m = hub.all().map<&fail_on_seven>(taskhub::map_options().unordered(), iota(10));
  try {
    m.get();
    FAIL() << "expected a map_error";
  } catch (const taskhub::map_error& e) {
    ASSERT_EQ(e.failures().size(), 1u);
    EXPECT_EQ(e.failures()[0].first, 7u);
    EXPECT_EQ(e.failures()[0].second.message(), "seven");
  }
  const auto failed = hub.records(taskhub::record_query().ids(m.ids()).state(taskhub::task_state::failed));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, m.ids()[7]);
  std::size_t ok = 0;
  for (const auto& o : m.return_exceptions()) ok += o.ok();
  EXPECT_EQ(ok, 9u);
}

TEST_F(direct_map, fewer_items_than_engines_leave_the_last_engines_idle) {
  auto got = hub.all().map<&with_engine>(std::vector<int>{5}).get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], std::make_pair(5, hub.engines().front()));
  EXPECT_TRUE(hub.all().map<&with_engine>(std::vector<int>{}).get().empty());
}

}  // namespace direct_map_test
