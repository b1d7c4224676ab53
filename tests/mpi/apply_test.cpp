// SPDX-License-Identifier: MIT
// Part of taskhub.
// Tasks applied one at a time: arguments and results shipped, futures, waiting, balancing.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "gate.hpp"

namespace apply_test {

class apply : public taskhub_test::hub_test {};

int square(int x) { return x * x; }
double add3(double a, float b, long c) { return a + b + static_cast<double>(c); }
std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
std::map<std::string, std::vector<int>> invert(const std::map<int, std::string>& m) {
  std::map<std::string, std::vector<int>> out;
  for (const auto& [k, v] : m) out[v].push_back(k);
  return out;
}
int which_engine() { return taskhub::engine::rank(); }
void nothing(int) {}
int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
// Returns `value` once the gate at `path` is open (at once for no path).
int open_after(const std::string& path, int value) {
  if (!path.empty()) taskhub_test::wait_for_gate(path);
  return value;
}

struct particle {
  double x = 0, y = 0;
  std::string name;
  template <class Archive>
  void serialize(Archive& a, unsigned) {
    a & x & y & name;
  }
};
particle move_by(particle p, double dx) {
  p.x += dx;
  p.name += "'";
  return p;
}

struct cube {
  long operator()(long x) const { return x * x * x; }
};
struct scaled {  // state set by its default constructor, the same on every engine
  double k = 2.5;
  double operator()(double x) const { return k * x; }
};

TEST_F(apply, applies_a_named_function) { EXPECT_EQ(hub.apply<&square>(7).get(), 49); }

TEST_F(apply, converts_arguments_to_parameter_types) {
  EXPECT_DOUBLE_EQ(hub.apply<&add3>(1, 2.5, 3).get(), 6.5);
}

TEST_F(apply, ships_strings_maps_and_user_types) {
  EXPECT_EQ(hub.apply<&repeat>("ab", 3).get(), "ababab");
  auto inv = hub.apply<&invert>(std::map<int, std::string>{{1, "a"}, {2, "b"}, {3, "a"}}).get();
  EXPECT_EQ(inv["a"], (std::vector<int>{1, 3}));
  EXPECT_EQ(inv["b"], (std::vector<int>{2}));
  auto p = hub.apply<&move_by>(particle{1, 2, "p"}, 0.5).get();
  EXPECT_DOUBLE_EQ(p.x, 1.5);
  EXPECT_DOUBLE_EQ(p.y, 2);
  EXPECT_EQ(p.name, "p'");
}

TEST_F(apply, ships_large_vectors) {
  std::vector<double> big(1 << 18);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i);
  auto sum = hub.apply([](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
  }, big).get();
  EXPECT_DOUBLE_EQ(sum, static_cast<double>(big.size()) * (big.size() - 1) / 2);
}

TEST_F(apply, applies_function_object_types_and_lambdas) {
  EXPECT_EQ(hub.apply<cube>(3).get(), 27);
  EXPECT_DOUBLE_EQ(hub.apply<scaled>(2.0).get(), 5.0);
  EXPECT_EQ(hub.apply([](int a, int b) { return a - b; }, 10, 4).get(), 6);
}

TEST_F(apply, void_functions_complete) {
  auto f = hub.apply<&nothing>(1);
  f.get();
  EXPECT_TRUE(f.ready());
  EXPECT_FALSE(f.failed());
}

TEST_F(apply, future_carries_engine_and_times) {
  auto before = std::chrono::system_clock::now();
  auto f = hub.apply<&nap>(20);
  EXPECT_EQ(f.get(), 20);
  const auto& e = hub.engines();
  EXPECT_NE(std::find(e.begin(), e.end(), f.engine()), e.end());
  EXPECT_GE(f.submitted(), before);
  EXPECT_LE(f.started(), f.completed());
  EXPECT_GE(f.completed() - f.started(), std::chrono::milliseconds(19));
  EXPECT_GT(f.id(), 0u);
}

TEST_F(apply, wait_for_times_out_then_succeeds) {
  auto f = hub.apply<&nap>(300);
  EXPECT_FALSE(f.wait_for(std::chrono::milliseconds(1)));
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(f.engine(), -1);
  EXPECT_TRUE(f.wait_for(std::chrono::seconds(30)));
  EXPECT_TRUE(f.ready());
}

TEST_F(apply, load_balancing_uses_every_engine) {
  std::vector<taskhub::future<int>> fs;
  for (std::size_t i = 0; i < 8 * engine_count(); ++i) fs.push_back(hub.apply<&nap>(5));
  std::vector<int> seen;
  for (auto& f : fs) {
    f.get();
    seen.push_back(f.engine());
  }
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen, hub.engines());
}

TEST_F(apply, wait_on_many_with_timeout) {
  std::vector<taskhub::future<int>> fs{hub.apply<&nap>(1), hub.apply<&nap>(400)};
  EXPECT_FALSE(taskhub::wait(fs, std::chrono::milliseconds(5)));
  EXPECT_TRUE(taskhub::wait(fs, std::chrono::seconds(30)));
  EXPECT_TRUE(fs[0].ready() && fs[1].ready());
}

TEST_F(apply, as_completed_yields_every_future_once_in_finishing_order) {
  // With three engines or more, each runs one task, and the client sets the order they finish
  // in: the second opens once the first is read, the third once the second is.
  const taskhub_test::gate second("as_completed_second"), third("as_completed_third");
  std::vector<taskhub::future<int>> fs;
  fs.push_back(hub.apply<&open_after>(third.path(), 3));
  fs.push_back(hub.apply<&open_after>(std::string(), 1));
  fs.push_back(hub.apply<&open_after>(second.path(), 2));
  const bool is_ordered = engine_count() >= 3;
  if (!is_ordered) {  // fewer engines: a gated task could hold the one that opens its gate
    second.open();
    third.open();
  }
  std::vector<int> order;
  for (const auto& f : taskhub::as_completed(fs)) {
    order.push_back(f.get());
    if (order.back() == 1) second.open();
    if (order.back() == 2) third.open();
  }
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{1, 2, 3}));
  if (is_ordered) {
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  }
}

TEST_F(apply, apply_on_runs_on_the_chosen_engine) {
  for (int r : hub.engines()) EXPECT_EQ(hub.apply_on<&which_engine>(r).get(), r);
  EXPECT_THROW(hub.apply_on<&which_engine>(0), taskhub::error);
  EXPECT_THROW(hub.apply_on<&which_engine>(9999), taskhub::error);
}

}  // namespace apply_test
