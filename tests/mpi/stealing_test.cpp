// SPDX-License-Identifier: MIT
// Part of taskhub.
// Work stealing: an engine that runs dry takes back tasks that a loaded engine holds and has not
// started (--taskhub-steal=1, the default in a tree of sub-hubs); with --taskhub-steal=0 a task
// stays where it was placed, as in IPython parallel. An abort still aborts a task on its way
// from one engine to another.
#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace stealing_test {

class stealing : public taskhub_test::hub_test {};

int nap_where(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return taskhub::engine::rank();
}

int slow_item(int ms) { return nap_where(ms); }

// The setting these tests run under: "1", "0", or "" (not given: they skip).
std::string steal_setting() {
  const char* v = std::getenv("TASKHUB_STEAL");
  return v ? v : "";
}

TEST_F(stealing, an_idle_engine_takes_the_queued_tasks_of_a_loaded_one) {
  if (engine_count() < 2 || steal_setting().empty()) GTEST_SKIP();
  // A chunk of a map goes to one engine: eight slow items, then eight instant ones.
  std::vector<int> ms(16, 0);
  for (int i = 0; i < 8; ++i) ms[static_cast<std::size_t>(i)] = 250;
  const auto ranks = hub.map<&nap_where>(taskhub::map_options().chunksize(8), ms).get();
  const std::set<int> slow(ranks.begin(), ranks.begin() + 8);
  if (steal_setting() == "1") {
    EXPECT_GE(slow.size(), 2u) << "the slow chunk ran on one engine while others idled";
  } else {
    EXPECT_EQ(slow.size(), 1u) << "a task moved with stealing off";
  }
}

TEST_F(stealing, an_abort_stops_tasks_that_are_being_taken_back) {
  if (engine_count() < 2 || steal_setting() != "1") GTEST_SKIP();
  std::vector<int> ms(8, 200);
  auto m = hub.map<&slow_item>(taskhub::map_options().chunksize(8), ms);
  // Idle engines ask for the queued items at once; abort while they are on their way.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::size_t aborted = m.abort();
  std::size_t done = 0, counted = 0;
  for (const auto& r : hub.records(taskhub::record_query().function("stealing_test::slow_item"))) {
    if (r.state == taskhub::task_state::aborted) ++counted;
    if (r.state == taskhub::task_state::done) ++done;
  }
  hub.wait();  // nothing aborted runs later: the counts hold once every engine is idle
  std::size_t done_after = 0, aborted_after = 0;
  for (const auto& r : hub.records(taskhub::record_query().function("stealing_test::slow_item"))) {
    if (r.state == taskhub::task_state::aborted) ++aborted_after;
    if (r.state == taskhub::task_state::done) ++done_after;
  }
  EXPECT_EQ(aborted_after, counted);
  EXPECT_EQ(aborted_after, aborted);
  EXPECT_EQ(done_after + aborted_after, ms.size());
  EXPECT_GE(done_after, 1u);  // the first item had started
  EXPECT_LE(done, done_after);
}

}  // namespace stealing_test
