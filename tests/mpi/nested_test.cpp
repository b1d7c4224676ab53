// SPDX-License-Identifier: MIT
// Part of taskhub.
// Tasks that submit tasks and wait for them.
#include <numeric>
#include <vector>

#include "fixture.hpp"

namespace nested_test {

class nested : public taskhub_test::hub_test {};

long fib(long n) {
  if (n < 2) return n;
  auto& hub = taskhub::engine::hub();
  auto a = hub.apply<&fib>(n - 1);
  auto b = hub.apply<&fib>(n - 2);
  return a.get() + b.get();
}

int square(int x) { return x * x; }

int sum_of_squares(int n) {
  std::vector<int> xs(static_cast<std::size_t>(n));
  std::iota(xs.begin(), xs.end(), 1);
  int sum = 0;
  for (int y : taskhub::engine::hub().map<&square>(taskhub::map_options().chunksize(3), xs)) sum += y;
  return sum;
}

int first_then_second() {
  auto& hub = taskhub::engine::hub();
  auto first = hub.apply<&square>(3);
  auto second = hub.with(taskhub::task_options().after(taskhub::dependency(first)))
                    .apply<&square>(4);
  return first.get() + second.get();
}

int inner_failure() {
  auto f = taskhub::engine::hub().apply([](int) -> int { throw std::invalid_argument("inner"); }, 0);
  try {
    f.get();
  } catch (const taskhub::remote_error& e) {
    return e.type_name() == "std::invalid_argument" ? 1 : 2;
  }
  return 0;
}

int twice(int x) { return 2 * x; }
int twice_inside(int x) { return taskhub::engine::hub().apply<&twice>(x).get(); }

TEST_F(nested, chunks_of_a_map_can_wait_inside) {
  std::vector<int> xs(64);
  std::iota(xs.begin(), xs.end(), 0);
  auto ys = hub.map<&twice_inside>(taskhub::map_options().chunksize(8), xs).get();
  ASSERT_EQ(ys.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(ys[i], 2 * xs[i]);
}

TEST_F(nested, many_tasks_waiting_inside_do_not_exhaust_the_stack) {
  std::vector<int> xs(20000, 1);
  auto ys = hub.map<&twice_inside>(taskhub::map_options().unordered(), xs).get();
  EXPECT_EQ(std::accumulate(ys.begin(), ys.end(), 0), 40000);
}

TEST_F(nested, a_task_can_submit_tasks_and_wait_for_them) {
  EXPECT_EQ(hub.apply<&fib>(12).get(), 144);  // 465 tasks, most waiting inside tasks
}

TEST_F(nested, many_tasks_can_wait_inside_tasks_at_once) {
  std::vector<taskhub::future<long>> fs;
  for (int i = 0; i < 4; ++i) fs.push_back(hub.apply<&fib>(9));
  for (auto& f : fs) EXPECT_EQ(f.get(), 34);
}

TEST_F(nested, a_task_can_map_and_use_dependencies) {
  EXPECT_EQ(hub.apply<&sum_of_squares>(10).get(), 385);
  EXPECT_EQ(hub.apply<&first_then_second>().get(), 25);
}

TEST_F(nested, a_failure_inside_comes_back_to_the_task) {
  EXPECT_EQ(hub.apply<&inner_failure>().get(), 1);
}

TEST_F(nested, the_table_is_for_the_client_only) {
  auto f = hub.apply([]() -> int {
    taskhub::engine::hub().records();
    return 0;
  });
  EXPECT_THROW(f.get(), taskhub::remote_error);
}

}  // namespace nested_test
