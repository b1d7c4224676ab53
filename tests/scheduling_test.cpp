// SPDX-License-Identifier: MIT
// Part of taskhub.
// Schemes, the high-water mark and priorities. These tests run once per scheme and hwm, chosen on
// the command line (--taskhub-scheme=..., --taskhub-hwm=...).
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace scheduling_test {

using taskhub::task_options;
using taskhub_test::hub_test;

int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

TEST_F(hub_test, the_scheme_runs_every_task_and_uses_every_engine) {
  std::vector<int> xs(300, 1);
  auto m = hub.map<&nap>(taskhub::map_options().unordered(), xs);
  EXPECT_EQ(m.get().size(), xs.size());
  std::set<int> used;
  for (const auto& r : hub.records(taskhub::record_query().function("map(scheduling_test::nap)")))
    used.insert(r.engine);
  EXPECT_EQ(used.size(), engine_count());
}

TEST_F(hub_test, lru_takes_engines_in_turn) {
  if (taskhub_test::scheme_name != "lru" || taskhub_test::hwm != 0) GTEST_SKIP();
  std::vector<taskhub::future<int>> fs;
  for (std::size_t i = 0; i < 4 * engine_count(); ++i) fs.push_back(hub.apply<&nap>(1));
  taskhub::wait(fs);
  for (std::size_t i = 0; i < fs.size(); ++i)
    EXPECT_EQ(fs[i].engine(), hub.engines()[i % engine_count()]) << "task " << i;
}

TEST_F(hub_test, the_high_water_mark_bounds_tasks_sent_to_an_engine) {
  if (taskhub_test::hwm == 0) GTEST_SKIP();
  std::vector<taskhub::future<int>> fs;
  for (std::size_t i = 0; i < 4 * engine_count() * taskhub_test::hwm; ++i)
    fs.push_back(hub.apply<&nap>(20));
  std::size_t running = 0, ready = 0, done = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {  // look until the hub has sent something out
    running = ready = done = 0;
    for (const auto& r : hub.records()) {
      if (r.id < fs.front().id() || r.id > fs.back().id()) continue;
      running += r.state == taskhub::task_state::running;
      ready += r.state == taskhub::task_state::ready;
      done += r.state == taskhub::task_state::done;
    }
  } while (running == 0 && done == 0 && std::chrono::steady_clock::now() < give_up);
  const std::size_t bound = engine_count() * static_cast<std::size_t>(taskhub_test::hwm);
  EXPECT_EQ(running + ready + done, fs.size());
  EXPECT_LE(running, bound);
  EXPECT_GE(running + done, 1u);
  EXPECT_GE(ready + done, fs.size() - bound);  // the rest waited at the hub
  taskhub::wait(fs);
}

TEST_F(hub_test, with_no_limit_every_task_goes_out_at_once) {
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

TEST_F(hub_test, higher_priority_ready_tasks_are_sent_first) {
  if (taskhub_test::hwm != 1) GTEST_SKIP();
  // Occupy every engine, then queue low before high priority tasks.
  std::vector<taskhub::future<int>> blockers;
  for (std::size_t i = 0; i < engine_count(); ++i) blockers.push_back(hub.apply<&nap>(200));
  std::vector<taskhub::future<int>> low, high;
  for (int i = 0; i < 4; ++i) low.push_back(hub.with(task_options().priority(-1)).apply<&nap>(10));
  for (int i = 0; i < 4; ++i) high.push_back(hub.with(task_options().priority(5)).apply<&nap>(10));
  taskhub::wait(low);
  taskhub::wait(high);
  auto latest_high = high.front().started(), earliest_low = low.front().started();
  for (const auto& f : high) latest_high = std::max(latest_high, f.started());
  for (const auto& f : low) earliest_low = std::min(earliest_low, f.started());
  if (engine_count() == 1) {
    EXPECT_LE(latest_high, earliest_low);  // one engine: strictly in priority order
  } else {
    // Several engines may start a low task while the last high one starts elsewhere.
    std::size_t high_first = 0;
    for (const auto& f : high) high_first += f.started() <= earliest_low;
    EXPECT_GE(high_first, 4 - (engine_count() - 1));
  }
  taskhub::wait(blockers);
}

}  // namespace scheduling_test
