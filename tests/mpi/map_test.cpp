// SPDX-License-Identifier: MIT
// Part of taskhub.
// map, imap and unordered maps over ranges: order, chunks, zips, failures, lazy input.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <list>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace map_test {

class map : public taskhub_test::hub_test {};

int square(int x) { return x * x; }
std::string label(int i, const std::string& s) { return s + std::to_string(i); }
int slow_first(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(x == 0 ? 200 : 1));
  return x;
}
int fail_on_multiples_of_five(int x) {
  if (x % 5 == 0) throw std::invalid_argument("multiple of five: " + std::to_string(x));
  return x;
}

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// An endless range 0, 1, 2, ... that counts how far it was read.
struct counting_range {
  std::atomic<int>* produced;
  struct iterator {
    int value;
    std::atomic<int>* produced;
    int operator*() const { return value; }
    iterator& operator++() {
      ++value;
      produced->store(value);
      return *this;
    }
    bool operator==(const iterator& o) const { return value == o.value; }
    bool operator!=(const iterator& o) const { return value != o.value; }
  };
  iterator begin() const { return {0, produced}; }
  iterator end() const { return {-1, produced}; }  // never reached
};

TEST_F(map, map_returns_results_in_input_order) {
  auto xs = iota(500);
  auto ys = hub.map<&square>(xs).get();
  ASSERT_EQ(ys.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(ys[i], xs[i] * xs[i]);
}

TEST_F(map, map_iterates_in_order_as_results_arrive) {
  std::vector<int> seen;
  for (int y : hub.map<&slow_first>(iota(20))) seen.push_back(y);
  EXPECT_EQ(seen, iota(20));
}

TEST_F(map, unordered_map_yields_fast_results_first) {
  std::vector<int> seen;
  auto xs = iota(20);
  for (int y : hub.map<&slow_first>(taskhub::map_options().unordered(), xs)) seen.push_back(y);
  std::vector<int> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, xs);
  if (engine_count() >= 2) {  // item 0 takes 200 ms; another engine finishes others first
    EXPECT_NE(seen.front(), 0);
  }
}

TEST_F(map, map_chunks_items) {
  auto xs = iota(1001);
  for (std::size_t chunk : {1u, 7u, 100u, 5000u}) {
    auto ys = hub.map<&square>(taskhub::map_options().chunksize(chunk), xs).get();
    ASSERT_EQ(ys.size(), xs.size());
    EXPECT_EQ(ys[1000], 1000000);
    EXPECT_EQ(ys[7], 49);
  }
}

TEST_F(map, map_zips_ranges_and_the_shortest_wins) {
  std::list<std::string> names{"a", "b", "c"};
  auto ys = hub.map<&label>(iota(10), names).get();
  EXPECT_EQ(ys, (std::vector<std::string>{"a0", "b1", "c2"}));
}

TEST_F(map, map_of_an_empty_range_is_empty) {
  EXPECT_TRUE(hub.map<&square>(std::vector<int>{}).get().empty());
}

TEST_F(map, map_accepts_lambdas_and_function_objects) {
  auto ys = hub.map([](int x) { return x + 1; }, iota(5)).get();
  EXPECT_EQ(ys, (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST_F(map, map_reports_every_failed_index) {
  try {
    hub.map<&fail_on_multiples_of_five>(taskhub::map_options().chunksize(3), iota(23)).get();
    FAIL() << "expected a map_error";
  } catch (const taskhub::map_error& e) {
    std::vector<std::size_t> failed;
    for (const auto& [index, err] : e.failures()) {
      failed.push_back(index);
      EXPECT_EQ(err.type_name(), "std::invalid_argument");
      EXPECT_EQ(err.message(), "multiple of five: " + std::to_string(index));
    }
    EXPECT_EQ(failed, (std::vector<std::size_t>{0, 5, 10, 15, 20}));
    EXPECT_NE(std::string(e.what()).find("0 5 10 15 20"), std::string::npos);
  }
}

TEST_F(map, iterating_a_map_throws_at_the_failed_item) {
  std::vector<int> seen;
  auto m = hub.map<&fail_on_multiples_of_five>(std::vector<int>{1, 2, 5, 6});
  EXPECT_THROW(
      {
        for (int y : m) seen.push_back(y);
      },
      taskhub::remote_error);
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
}

TEST_F(map, return_exceptions_yields_failures_as_values) {
  std::size_t ok = 0, failed = 0;
  for (const auto& o : hub.map<&fail_on_multiples_of_five>(iota(12)).return_exceptions()) {
    if (o.ok()) {
      ++ok;
      EXPECT_EQ(*o.value, static_cast<int>(o.index));
    } else {
      ++failed;
      EXPECT_EQ(o.index % 5, 0u);
      EXPECT_EQ(o.error->function(), "map_test::fail_on_multiples_of_five");
    }
  }
  EXPECT_EQ(ok, 9u);
  EXPECT_EQ(failed, 3u);
}

TEST_F(map, imap_consumes_an_endless_input_lazily) {
  std::atomic<int> produced{0};
  auto results = hub.imap<&square>(taskhub::map_options().max_outstanding(16).chunksize(2),
                                   counting_range{&produced});
  int n = 0;
  for (int y : results) {
    EXPECT_EQ(y, n * n);
    if (++n == 100) break;
  }
  EXPECT_EQ(n, 100);
  EXPECT_LE(produced.load(), 100 + 16 + 2);
  EXPECT_GE(produced.load(), 100);
}

TEST_F(map, imap_never_has_more_than_max_outstanding_items_unconsumed) {
  const int k = 5;
  for (std::size_t chunk : {1u, 2u, 3u, 8u}) {
    std::atomic<int> produced{0};  // items read from the input, hence submitted
    int consumed = 0, most = 0;
    for (int y : hub.imap<&square>(taskhub::map_options().max_outstanding(k).chunksize(chunk),
                                   counting_range{&produced})) {
      EXPECT_EQ(y, consumed * consumed);
      most = std::max(most, produced.load() - consumed);  // this item counts as not yet consumed
      EXPECT_LE(produced.load() - consumed, k) << "chunksize " << chunk << ", item " << consumed;
      if (++consumed == 60) break;
    }
    EXPECT_EQ(most, k) << "chunksize " << chunk;  // the window is used, not just respected
  }
}

TEST_F(map, imap_keeps_rvalue_inputs_alive) {
  auto m = hub.imap<&square>(taskhub::map_options().max_outstanding(3), iota(50));
  auto ys = m.get();
  ASSERT_EQ(ys.size(), 50u);
  EXPECT_EQ(ys[49], 49 * 49);
}

}  // namespace map_test
