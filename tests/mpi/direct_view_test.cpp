// SPDX-License-Identifier: MIT
// Part of taskhub.
// Direct views of engines: all of them or a list, push and pull, scatter and gather.
#include <mpi.h>

#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace direct_view_test {

class direct_view : public taskhub_test::hub_test {};

int which_engine() { return taskhub::engine::rank(); }
double scaled_sum(double k) {
  const auto& xs = taskhub::engine::get<std::vector<double>>("xs");
  double s = 0;
  for (double x : xs) s += k * x;
  return s;
}
std::size_t local_size() { return taskhub::engine::get<std::vector<int>>("part").size(); }
void double_part() {
  auto part = taskhub::engine::get<std::vector<int>>("part");
  for (int& x : part) x *= 2;
  taskhub::engine::put("part", part);
}
int sum_of_engine_ranks() {
  int mine = taskhub::engine::rank(), sum = 0;
  MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, taskhub::engine::comm());
  return sum;
}
std::string read_missing() { return taskhub::engine::get<std::string>("no such value"); }
int fail_unless_on(int rank) {
  if (taskhub::engine::rank() != rank)
    throw std::runtime_error("not on " + std::to_string(rank) + " but on " +
                             std::to_string(taskhub::engine::rank()));
  return rank;
}

bool is_single_process() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size == 1;
}

TEST_F(direct_view, all_runs_once_per_engine_in_engine_order) {
  EXPECT_EQ(hub.all().apply<&which_engine>().get(), hub.engines());
}

TEST_F(direct_view, view_of_a_list_keeps_the_given_order) {
  std::vector<int> ranks(hub.engines().rbegin(), hub.engines().rend());
  EXPECT_EQ(hub.view(ranks).apply<&which_engine>().get(), ranks);
  EXPECT_EQ(hub.view(hub.engines().back()).apply<&which_engine>().get(),
            std::vector<int>{hub.engines().back()});
  EXPECT_THROW(hub.view(std::vector<int>{0}), taskhub::error);
}

TEST_F(direct_view, push_then_tasks_read_and_pull_returns) {
  hub.all().push("xs", std::vector<double>{1, 2, 3}).wait();
  for (double s : hub.all().apply<&scaled_sum>(2.0).get()) EXPECT_DOUBLE_EQ(s, 12.0);
  for (const auto& xs : hub.all().pull<std::vector<double>>("xs").get())
    EXPECT_EQ(xs, (std::vector<double>{1, 2, 3}));
  hub.all().push("xs", std::vector<double>{5}).wait();  // replacing drops the decoded cache
  for (double s : hub.all().apply<&scaled_sum>(1.0).get()) EXPECT_DOUBLE_EQ(s, 5.0);
}

TEST_F(direct_view, scatter_and_gather_round_trip) {
  std::vector<int> xs(103);
  std::iota(xs.begin(), xs.end(), 0);
  hub.all().scatter("part", xs).wait();
  auto sizes = hub.all().apply<&local_size>().get();
  std::size_t total = 0;
  for (std::size_t s : sizes) {
    total += s;
    EXPECT_LE(s, xs.size() / engine_count() + 1);
  }
  EXPECT_EQ(total, xs.size());
  EXPECT_EQ(hub.all().gather<int>("part"), xs);
  hub.all().apply<&double_part>().wait();  // values put by tasks can be pulled back
  auto doubled = hub.all().gather<int>("part");
  ASSERT_EQ(doubled.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(doubled[i], 2 * xs[i]);
}

TEST_F(direct_view, reading_a_missing_value_fails_the_task) {
  auto f = hub.apply<&read_missing>();
  try {
    f.get();
    FAIL() << "expected a remote_error";
  } catch (const taskhub::remote_error& e) {
    EXPECT_NE(e.message().find("no value named 'no such value'"), std::string::npos);
  }
  EXPECT_THROW(hub.all().pull<int>("no such value").get(), taskhub::remote_error);
}

TEST_F(direct_view, a_task_on_all_engines_can_use_the_engines_communicator) {
  const auto expected = std::accumulate(hub.engines().begin(), hub.engines().end(), 0);
  auto results = hub.all().apply<&sum_of_engine_ranks>();
  if (is_single_process()) {
    EXPECT_THROW(results.get(), taskhub::remote_error);
  } else {
    for (int s : results.get()) EXPECT_EQ(s, expected);
  }
}

TEST_F(direct_view, results_by_engine_map_each_rank_to_its_value) {
  std::map<int, int> expected;
  for (int r : hub.engines()) expected[r] = r;
  EXPECT_EQ(hub.all().apply<&which_engine>().by_engine(), expected);
  std::vector<int> reversed(hub.engines().rbegin(), hub.engines().rend());
  EXPECT_EQ(hub.view(reversed).apply<&which_engine>().by_engine(), expected);
}

TEST_F(direct_view, failures_on_several_engines_raise_one_error_that_carries_each) {
  const auto& ranks = hub.engines();
  if (ranks.size() < 2) GTEST_SKIP() << "needs several engines";
  const std::string count = std::to_string(ranks.size() - 1) + " of " +
                            std::to_string(ranks.size()) + " engines failed: ";
  auto results = hub.all().apply<&fail_unless_on>(ranks.front());
  try {
    results.get();
    FAIL() << "expected a composite_error";
  } catch (const taskhub::composite_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(count, 0), 0u) << e.what();
    EXPECT_EQ(e.engine_count(), ranks.size());
    ASSERT_EQ(e.failures().size(), ranks.size() - 1);
    for (std::size_t i = 0; i + 1 < ranks.size(); ++i) {
      const auto& f = e.failures()[i];
      EXPECT_EQ(f.engine(), ranks[i + 1]);
      EXPECT_EQ(f.type_name(), "std::runtime_error");
      EXPECT_EQ(f.message(), "not on " + std::to_string(ranks.front()) + " but on " +
                                 std::to_string(ranks[i + 1]));
      EXPECT_NE(std::string(e.what()).find(f.message()), std::string::npos);
    }
    EXPECT_EQ(e.engine(), ranks[1]);  // as a remote_error, the first failed engine's
  }
  EXPECT_THROW(results.by_engine(), taskhub::composite_error);
  EXPECT_THROW(hub.all().apply<&fail_unless_on>(-1).get(), taskhub::remote_error);
  EXPECT_EQ(hub.all().apply<&fail_unless_on>(ranks.front()).begin()->get(), ranks.front());
}

}  // namespace direct_view_test
