// SPDX-License-Identifier: MIT
// Part of taskhub.
// Where tasks go: each scheme uses every engine, leastload and lru take turns, warm stays, and no
// limit sends all at once.
// These tests run once per scheme and hwm, chosen on the command line (--taskhub-scheme=...,
// --taskhub-hwm=...) or in the environment (TASKHUB_SCHEME, TASKHUB_HWM).
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace scheduling_test {

class scheduling : public taskhub_test::hub_test {};
class tie_break : public taskhub_test::hub_test {};  // how a scheme picks among equals

int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

TEST_F(scheduling, the_scheme_runs_every_task_and_uses_every_engine) {
  std::vector<int> xs(300, 1);
  auto m = hub.map<&nap>(taskhub::map_options().unordered(), xs);
  EXPECT_EQ(m.get().size(), xs.size());
  std::set<int> used;
  for (const auto& r : hub.records(taskhub::record_query().function("scheduling_test::nap")))
    used.insert(r.engine);
  EXPECT_EQ(used.size(), engine_count());
}

TEST_F(scheduling, lru_takes_engines_in_turn) {
  if (taskhub_test::scheme_name != "lru" || taskhub_test::hwm != 0) GTEST_SKIP();
  std::vector<taskhub::future<int>> fs;
  for (std::size_t i = 0; i < 4 * engine_count(); ++i) fs.push_back(hub.apply<&nap>(1));
  taskhub::wait(fs);
  for (std::size_t i = 0; i < fs.size(); ++i)
    EXPECT_EQ(fs[i].engine(), hub.engines()[i % engine_count()]) << "task " << i;
}

// IPython parallel's leastload: among engines equally loaded, the least recently used.
TEST_F(tie_break, one_at_a_time_tasks_take_turns_across_engines_by_default) {
  if (taskhub_test::scheme_name != "leastload" || engine_count() < 2) GTEST_SKIP();
  std::vector<int> counts(hub.engines().back() + 1, 0);
  for (int i = 0; i < 20 * static_cast<int>(engine_count()); ++i) {
    auto f = hub.apply<&nap>(0);
    f.get();
    ++counts[static_cast<std::size_t>(f.engine())];
  }
  for (int e : hub.engines()) EXPECT_EQ(counts[static_cast<std::size_t>(e)], 20) << "engine " << e;
}

// The warm scheme keeps one-at-a-time work on the engine that is awake.
TEST_F(tie_break, warm_keeps_one_at_a_time_tasks_on_one_engine) {
  if (taskhub_test::scheme_name != "warm") GTEST_SKIP();
  std::set<int> used;
  for (int i = 0; i < 20; ++i) {
    auto f = hub.apply<&nap>(0);
    f.get();
    if (i > 0) used.insert(f.engine());  // the first goes to the least recently used
  }
  EXPECT_EQ(used.size(), 1u);
}

TEST_F(scheduling, with_no_limit_every_task_goes_out_at_once) {
  if (taskhub_test::hwm != 0) GTEST_SKIP();
  std::vector<taskhub::future<int>> fs;
  for (std::size_t i = 0; i < 40 * engine_count(); ++i) fs.push_back(hub.apply<&nap>(20));
  std::size_t ready = 0, seen = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {  // look until the hub has taken every submission
    ready = seen = 0;
    for (const auto& r : hub.records()) {
      if (r.id < fs.front().id() || r.id > fs.back().id()) continue;
      ++seen;
      ready += r.state == taskhub::task_state::ready;
    }
  } while (seen < fs.size() && std::chrono::steady_clock::now() < give_up);
  EXPECT_EQ(seen, fs.size());
  EXPECT_EQ(ready, 0u);  // a high-water mark of 16 would hold most of them back
  taskhub::wait(fs);
}

}  // namespace scheduling_test
