// SPDX-License-Identifier: MIT
// Part of taskhub.
// Results as arguments (futures passed where the function takes their values), results kept on
// their engines (task_options::keep_remote), and the scheduler placing tasks where their inputs
// are kept (--taskhub-locality).
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace remote_results_test {

using taskhub::dependency;
using taskhub::task_options;
using taskhub_test::failure_type;
using namespace std::chrono_literals;

class remote_results : public taskhub_test::hub_test {
 protected:
  /// A load-balanced view of the one engine `rank` whose results stay there.
  taskhub::load_balanced_view kept_on(int rank) {
    return hub.load_balanced_view({rank}, task_options().keep_remote());
  }
  std::uint64_t received() { return hub.traffic().hub.bytes_received; }
  static bool is_locality_off() {
    const char* v = std::getenv("TASKHUB_LOCALITY");
    return v && std::strcmp(v, "0") == 0;
  }
};

constexpr std::size_t mib_of_doubles = (1u << 20) / sizeof(double);

int twice(int x) { return 2 * x; }
int add(int a, int b) { return a + b; }
int refuse(int x) {
  if (x >= 0) throw std::runtime_error("refused " + std::to_string(x));
  return x;
}
std::vector<double> block(double x) { return std::vector<double>(mib_of_doubles, x); }
double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
double total_of_two(const std::vector<double>& a, const std::vector<double>& b) {
  return total(a) + total(b);
}
std::string label(const std::string& s, int n) { return s + "-" + std::to_string(n); }
// A shared object, a result and a plain value in one call.
double weighed(const std::vector<double>& weights, const std::vector<double>& v, int k) {
  return k * std::inner_product(weights.begin(), weights.end(), v.begin(), 0.0);
}

TEST_F(remote_results, futures_as_arguments_pass_their_values) {
  auto a = hub.apply<&twice>(3);
  auto b = hub.apply<&twice>(4);
  auto s = hub.apply<&add>(a, b);
  EXPECT_EQ(s.get(), 14);
  EXPECT_GE(s.started(), a.completed());
  EXPECT_GE(s.started(), b.completed());
  // Mixed with plain values, and a string result taken by const reference.
  auto name = hub.apply<&label>(std::string("x"), 1);
  auto longer = hub.apply<&label>(name, 2);
  EXPECT_EQ(longer.get(), "x-1-2");
  EXPECT_EQ(hub.apply<&add>(s, 1).get(), 15);
}

TEST_F(remote_results, a_failed_parent_fails_its_child_with_a_dependency_error_naming_it) {
  auto good = hub.apply<&twice>(1);
  auto bad = hub.apply<&refuse>(7);
  auto child = hub.apply<&add>(good, bad);
  ASSERT_EQ(failure_type(child), taskhub::failure::impossible_dependency);
  const std::string message = child.error().message();
  EXPECT_NE(message.find("task " + std::to_string(bad.id()) + " ("), std::string::npos) << message;
  EXPECT_NE(message.find("refuse"), std::string::npos) << message;
  EXPECT_NE(message.find("refused 7"), std::string::npos) << message;
  // A grandchild fails too, naming the child.
  auto grandchild = hub.apply<&twice>(child);
  ASSERT_EQ(failure_type(grandchild), taskhub::failure::impossible_dependency);
  EXPECT_NE(grandchild.error().message().find("task " + std::to_string(child.id())),
            std::string::npos);
}

TEST_F(remote_results, map_takes_a_range_of_futures) {
  std::vector<taskhub::future<int>> parts;
  for (int i = 0; i < 20; ++i) parts.push_back(hub.apply<&twice>(i));
  std::vector<int> got;
  for (int v : hub.map<&twice>(parts)) got.push_back(v);
  ASSERT_EQ(got.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], 4 * i);
  // Zipped with plain values, over kept results.
  std::vector<taskhub::future<int>> kept;
  auto view = hub.with(task_options().keep_remote());
  for (int i = 0; i < 10; ++i) kept.push_back(view.apply<&twice>(i));
  std::vector<int> ones(10, 1);
  int sum = 0;
  for (int v : hub.map<&add>(kept, ones)) sum += v;
  EXPECT_EQ(sum, 2 * 45 + 10);
}

TEST_F(remote_results, dependency_options_still_apply) {
  auto a = hub.apply<&twice>(5);
  auto gate = hub.apply<&twice>(1);
  auto c = hub.with(task_options().after(dependency(gate)).dependency_timeout(60s)).apply<&add>(a, a);
  EXPECT_EQ(c.get(), 20);
  EXPECT_GE(c.started(), gate.completed());
  // after() that can never be met fails the task even though its inputs succeeded.
  auto bad = hub.apply<&refuse>(1);
  auto d = hub.with(task_options().after(dependency(bad))).apply<&add>(a, a);
  EXPECT_EQ(failure_type(d), taskhub::failure::impossible_dependency);
}

TEST_F(remote_results, a_kept_result_is_fetched_by_get_and_does_not_reach_rank_0_before) {
  const int e = hub.engines().back();
  auto f = kept_on(e).apply<&block>(2.0);
  f.wait();
  ASSERT_FALSE(f.failed());
  EXPECT_EQ(f.engine(), e);
  EXPECT_EQ(f.state().kept_on, e);
  EXPECT_EQ(f.state().kept_size, sizeof(std::uint64_t) + (1u << 20));
  EXPECT_EQ(f.state().result_size, 0u);  // only its size came to rank 0
  const auto before = received();
  const auto v = f.get();  // now it comes
  EXPECT_GE(received() - before, 1u << 20);
  ASSERT_EQ(v.size(), mib_of_doubles);
  EXPECT_EQ(v.front(), 2.0);
  EXPECT_EQ(f.get().back(), 2.0);  // again: fetched again
}

TEST_F(remote_results, a_kept_result_feeds_a_task_on_the_same_engine_and_on_another) {
  const auto& engines = hub.engines();
  const int holder = engines.front(), other = engines.back();
  const auto before = received();
  const auto moved_before = hub.traffic().results_forwarded;
  auto a = kept_on(holder).apply<&block>(1.0);
  auto b = kept_on(holder).apply<&block>(3.0);
  auto here = hub.load_balanced_view({holder}).apply<&total_of_two>(a, b);
  auto there = hub.load_balanced_view({other}).apply<&total_of_two>(a, b);
  EXPECT_EQ(here.get(), 4.0 * mib_of_doubles);
  EXPECT_EQ(there.get(), 4.0 * mib_of_doubles);
  EXPECT_EQ(here.engine(), holder);
  EXPECT_EQ(there.engine(), other);
  // Two MiB were made and used, twice, but no result reached rank 0.
  EXPECT_LT(received() - before, 64u << 10);
  if (holder != other) {
    EXPECT_GE(hub.traffic().results_forwarded - moved_before, 2u << 20);
  }
}

TEST_F(remote_results, locality_puts_a_child_where_its_input_is_kept) {
  if (engine_count() < 2) GTEST_SKIP() << "needs two engines";
  const int holder = hub.engines().back();
  auto f = kept_on(holder).apply<&block>(1.0);
  f.wait();
  int on_holder = 0;
  constexpr int children = 6;
  for (int i = 0; i < children; ++i) {  // one at a time: the engines are idle when it is placed
    auto c = hub.apply<&total>(f);
    EXPECT_EQ(c.get(), 1.0 * mib_of_doubles);
    on_holder += c.engine() == holder;
  }
  if (is_locality_off()) {
    EXPECT_LT(on_holder, children);  // least load, least recently used: they spread
  } else {
    EXPECT_EQ(on_holder, children);
  }
}

TEST_F(remote_results, a_chain_of_kept_results_reaches_the_client_only_at_the_end) {
  const auto before = received();
  auto view = hub.with(task_options().keep_remote());
  std::vector<taskhub::future<std::vector<double>>> layer;
  for (int i = 0; i < 4; ++i) layer.push_back(view.apply<&block>(1.0));
  auto sum = hub.apply<&total_of_two>(layer[0], layer[1]);
  auto sum2 = hub.apply<&total_of_two>(layer[2], layer[3]);
  auto both = hub.apply<&add>(hub.apply<&twice>(1), hub.apply<&twice>(2));
  EXPECT_EQ(sum.get() + sum2.get(), 4.0 * mib_of_doubles);
  EXPECT_EQ(both.get(), 6);
  EXPECT_LT(received() - before, 64u << 10);
}

TEST_F(remote_results, a_purged_kept_result_is_released_on_its_engine) {
  auto f = hub.with(task_options().keep_remote()).apply<&block>(1.0);
  f.wait();
  ASSERT_FALSE(f.failed());
  EXPECT_EQ(hub.purge({f.id()}), 1u);
  try {
    f.get();
    ADD_FAILURE() << "a released result was fetched";
  } catch (const taskhub::remote_error& e) {
    EXPECT_NE(std::string(e.what()).find("no longer keeps"), std::string::npos) << e.what();
  }
}

TEST_F(remote_results, a_task_takes_a_shared_object_and_results_together) {
  const auto weights = hub.share(std::vector<double>(mib_of_doubles, 0.5));
  const int engine = hub.engines().back();
  auto carried = hub.apply<&block>(2.0);
  auto kept = kept_on(engine).apply<&block>(4.0);
  // Large enough to be cached: an argument sent apart beside the results put in place.
  const std::vector<double> ones(mib_of_doubles, 1.0);
  const double n = static_cast<double>(mib_of_doubles);
  EXPECT_DOUBLE_EQ(hub.apply<&weighed>(weights, carried, 3).get(), 3 * n);
  EXPECT_DOUBLE_EQ(hub.apply<&weighed>(weights, kept, 2).get(), 4 * n);
  EXPECT_DOUBLE_EQ(hub.load_balanced_view({engine}).apply<&weighed>(weights, kept, 1).get(), 2 * n);
  EXPECT_DOUBLE_EQ(hub.apply<&total_of_two>(ones, kept).get(), 5 * n);
  EXPECT_DOUBLE_EQ(hub.apply<&total_of_two>(kept, ones).get(), 5 * n);
}

}  // namespace remote_results_test
