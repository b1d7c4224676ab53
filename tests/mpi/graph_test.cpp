// SPDX-License-Identifier: MIT
// Part of taskhub.
// after / follow dependencies, their switches, and the errors of dependencies that cannot be met.
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace graph_test {

using taskhub::dependency;
using taskhub::task_options;
using taskhub_test::failure_type;
using namespace std::chrono_literals;

class graph : public taskhub_test::hub_test {};

int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
int fail_after(int ms) {
  nap(ms);
  throw std::runtime_error("parent failed");
}
int where() { return taskhub::engine::rank(); }

TEST_F(graph, after_starts_a_task_once_its_parent_finished) {
  auto parent = hub.apply<&nap>(150);
  auto child = hub.with(task_options().after(dependency(parent))).apply<&nap>(1);
  EXPECT_EQ(child.get(), 1);
  EXPECT_GE(child.started(), parent.completed());
}

TEST_F(graph, a_cleanup_task_runs_only_if_its_parent_failed) {
  const auto on_failure = [](const auto& p) { return dependency(p).success(false).failure(true); };
  auto failing = hub.apply<&fail_after>(20);
  auto cleanup = hub.with(task_options().after(on_failure(failing))).apply<&nap>(1);
  EXPECT_EQ(cleanup.get(), 1);

  auto fine = hub.apply<&nap>(20);
  auto skipped = hub.with(task_options().after(on_failure(fine))).apply<&nap>(1);
  EXPECT_EQ(failure_type(skipped), taskhub::failure::impossible_dependency);
  EXPECT_NE(skipped.error().message().find("to fail"), std::string::npos) << skipped.error().what();
}

TEST_F(graph, any_starts_after_either_parent) {
  auto slow = hub.apply<&nap>(1500);
  auto fast = hub.apply<&nap>(10);
  auto child = hub.with(task_options().after(dependency(slow, fast).any())).apply<&nap>(1);
  EXPECT_EQ(child.get(), 1);
  if (engine_count() >= 2) {
    EXPECT_FALSE(slow.ready());  // it ran on fast's success alone
  }
  auto failed = hub.apply<&fail_after>(1);
  auto either = hub.with(task_options().after(dependency(failed, fast).any())).apply<&nap>(2);
  EXPECT_EQ(either.get(), 2);  // one success is enough
  slow.wait();
}

TEST_F(graph, follow_pins_a_chain_to_one_engine) {
  auto first = hub.apply<&where>();
  std::vector<taskhub::future<int>> chain{first};
  for (int i = 0; i < 6; ++i)
    chain.push_back(hub.with(task_options().follow(dependency(chain.back()))).apply<&where>());
  for (auto& f : chain) EXPECT_EQ(f.get(), first.get());
}

TEST_F(graph, follow_all_of_parents_on_different_engines_is_impossible) {
  if (engine_count() < 2) GTEST_SKIP() << "needs two engines";
  auto a = hub.apply_on<&where>(hub.engines()[0]);
  auto b = hub.apply_on<&where>(hub.engines()[1]);
  auto both = hub.with(task_options().follow(dependency(a, b))).apply<&where>();
  EXPECT_EQ(failure_type(both), taskhub::failure::impossible_dependency);
  EXPECT_NE(both.error().message().find("different engines"), std::string::npos);
  auto either = hub.with(task_options().follow(dependency(a, b).any())).apply<&where>();
  const int ran = either.get();
  EXPECT_TRUE(ran == hub.engines()[0] || ran == hub.engines()[1]);
}

TEST_F(graph, a_failed_parent_makes_all_success_only_impossible_at_once) {
  auto failed = hub.apply<&fail_after>(1);
  failed.wait();
  auto slow = hub.apply<&nap>(2000);
  const auto t0 = std::chrono::steady_clock::now();
  auto child = hub.with(task_options().after(dependency(failed, slow))).apply<&nap>(1);
  EXPECT_EQ(failure_type(child), taskhub::failure::impossible_dependency);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);  // did not wait for `slow`
  slow.wait();
}

TEST_F(graph, every_parent_failed_makes_any_success_only_impossible) {
  auto a = hub.apply<&fail_after>(1), b = hub.apply<&fail_after>(5);
  auto child = hub.with(task_options().after(dependency(a, b).any())).apply<&nap>(1);
  EXPECT_EQ(failure_type(child), taskhub::failure::impossible_dependency);
}

TEST_F(graph, failure_only_is_impossible_after_a_success) {
  auto ok = hub.apply<&nap>(1);
  auto all = hub.with(task_options().after(dependency(ok).success(false).failure(true)))
                 .apply<&nap>(1);
  EXPECT_EQ(failure_type(all), taskhub::failure::impossible_dependency);
  auto bad = hub.apply<&fail_after>(1);
  auto any = hub.with(task_options().after(
                          dependency(ok, bad).any().success(false).failure(true)))
                 .apply<&nap>(3);
  EXPECT_EQ(any.get(), 3);  // bad failed, and that is what it waits for
}

TEST_F(graph, success_or_failure_runs_after_either_outcome) {
  auto bad = hub.apply<&fail_after>(1);
  auto after = hub.with(task_options().after(dependency(bad).failure(true))).apply<&nap>(4);
  EXPECT_EQ(after.get(), 4);
}

TEST_F(graph, an_unknown_parent_is_an_invalid_dependency) {
  auto child = hub.with(task_options().after(dependency(std::vector<std::uint64_t>{987654321})))
                   .apply<&nap>(1);
  EXPECT_EQ(failure_type(child), taskhub::failure::invalid_dependency);
  EXPECT_NE(child.error().message().find("987654321"), std::string::npos);
}

TEST_F(graph, a_dependency_timeout_fails_a_task_that_cannot_start) {
  auto slow = hub.apply<&nap>(2000);
  const auto t0 = std::chrono::steady_clock::now();
  auto child = hub.with(task_options().after(dependency(slow)).dependency_timeout(100ms))
                   .apply<&nap>(1);
  EXPECT_EQ(failure_type(child), taskhub::failure::dependency_timeout);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 90ms);
  EXPECT_LT(waited, 1500ms);
  EXPECT_NE(child.error().message().find("waiting for after task(s) " + std::to_string(slow.id())),
            std::string::npos)
      << child.error().message();
  slow.wait();
}

TEST_F(graph, a_waiting_task_says_why) {
  auto slow = hub.apply<&nap>(400);
  auto child = hub.with(task_options().after(dependency(slow))).apply<&nap>(1);
  const auto r = hub.record(child.id());
  EXPECT_EQ(r.state, taskhub::task_state::waiting);
  EXPECT_NE(r.reason.find(std::to_string(slow.id())), std::string::npos) << r.reason;
  child.get();
  EXPECT_EQ(hub.record(child.id()).state, taskhub::task_state::done);
}

TEST_F(graph, a_failure_cascades_through_a_graph) {
  auto root = hub.apply<&fail_after>(1);
  auto mid = hub.with(task_options().after(dependency(root))).apply<&nap>(1);
  auto leaf = hub.with(task_options().after(dependency(mid))).apply<&nap>(1);
  auto rescue = hub.with(task_options().after(dependency(leaf).success(false).failure(true)))
                    .apply<&nap>(5);
  EXPECT_EQ(failure_type(leaf), taskhub::failure::impossible_dependency);
  EXPECT_EQ(rescue.get(), 5);
}

TEST_F(graph, a_map_can_depend_on_a_task) {
  auto gate = hub.apply<&nap>(50);
  auto results = hub.with(task_options().after(dependency(gate))).map<&nap>(std::vector<int>{1, 2, 3});
  EXPECT_EQ(results.get(), (std::vector<int>{1, 2, 3}));
  for (const auto& r : hub.records(taskhub::record_query().function("map(graph_test::nap)")))
    if (r.id > gate.id()) {
      EXPECT_GE(r.started, hub.record(gate.id()).completed);
    }
}

}  // namespace graph_test
