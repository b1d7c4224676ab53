// SPDX-License-Identifier: MIT
// Part of taskhub.
// Large pushed values: encoded once, sent to each engine once as an object, kept by the engines'
// stores after the object's handle goes, and let go when replaced or cleared.
#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace push_test {

class large_push : public taskhub_test::hub_test {
 protected:
  void SetUp() override {
    if (taskhub::detail::cache_threshold() == 0)
      GTEST_SKIP() << "the cache threshold is 0: every pushed value goes in its tasks";
  }
  static bool is_over_mpi() {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size > 1;
  }
  // A value whose encoding is 2 MiB and 8 bytes, each element its index plus `start`.
  static std::vector<std::int64_t> block(std::int64_t start) {
    std::vector<std::int64_t> v(std::size_t(1) << 18);
    std::iota(v.begin(), v.end(), start);
    return v;
  }
  static std::size_t encoded_size(const std::vector<std::int64_t>& v) {
    taskhub::detail::bytes b;
    taskhub::detail::encode(b, v);
    return b.size();
  }
  // Checks that objects of `n` bytes in all crossed each of rank 0's links once: nothing but a
  // node copy for the engines of its node (unless TASKHUB_NODE_OBJECTS=0),
  // once per sub-hub through a tree, and once per engine otherwise.
  void expect_each_link_once(const taskhub::traffic_report& before,
                             const taskhub::traffic_report& after, std::size_t n) {
    const auto sent = after.object_bytes_sent - before.object_bytes_sent;
    const auto on_node = after.object_bytes_on_node - before.object_bytes_on_node;
    const char* fanout = std::getenv("TASKHUB_FANOUT");
    const char* copies = std::getenv("TASKHUB_NODE_OBJECTS");
    if (fanout && std::string(fanout) != "0") {
      EXPECT_EQ(sent, n * after.peers.size()) << "once to each sub-hub";
    } else if (!(copies && std::string(copies) == "0")) {
      // The engines of rank 0's node (its first TASKHUB_NODE_SIZE ranks with simulated nodes)
      // map one copy; each other engine is sent its own.
      const char* m = std::getenv("TASKHUB_NODE_SIZE");
      const int per_node = m ? std::atoi(m) : 0;
      std::size_t far = 0;
      for (int e : hub.engines()) far += per_node > 0 && e >= per_node ? 1 : 0;
      EXPECT_EQ(sent, n * far);
      EXPECT_EQ(on_node, far < engine_count() ? n : 0u);
    } else {
      EXPECT_EQ(sent, n * engine_count());
    }
  }
};

std::int64_t stored_sum(const std::string& name) {
  const auto& v = taskhub::engine::get<std::vector<std::int64_t>>(name);
  return std::accumulate(v.begin(), v.end(), std::int64_t{0});
}
std::size_t held() { return taskhub::engine::objects_held(); }

// What keeps the encoding of a stored value alive, watched on each engine (thread) from one task
// to a later one.
thread_local std::weak_ptr<const void> watched;
bool watch(const std::string& name) {
  watched = taskhub::detail::store_lookup(name).owner;
  return !watched.expired();
}
bool is_let_go() { return watched.expired(); }

std::int64_t sum_of(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::int64_t{0});
}
std::size_t sum_held(taskhub::hub& hub) {
  std::size_t n = 0;
  for (auto k : hub.all().apply<&held>().get()) n += k;
  return n;
}
bool all_true(const std::vector<bool>& bs) {
  for (bool b : bs)
    if (!b) return false;
  return !bs.empty();
}

TEST_F(large_push, every_engine_reads_the_value_and_pull_returns_it) {
  const auto v = block(7);
  hub.all().push("big", v).get();
  for (auto s : hub.all().apply<&stored_sum>(std::string("big")).get()) EXPECT_EQ(s, sum_of(v));
  for (const auto& back : hub.all().pull<std::vector<std::int64_t>>("big").get())
    EXPECT_TRUE(back == v);
  hub.all().clear("big").get();
}

TEST_F(large_push, the_encoding_crosses_once_per_engine_and_small_values_stay_in_the_task) {
  if (!is_over_mpi()) GTEST_SKIP() << "engines are threads: nothing crosses a wire";
  const auto v = block(1);
  const std::size_t n = encoded_size(v);
  auto before = hub.traffic();
  hub.all().push("big", v, "small", 5).get();
  auto after = hub.traffic();
  // The object crosses each link once, and besides it only small tasks: the value is not also
  // in the tasks.
  expect_each_link_once(before, after, n);
  const auto objects = after.object_bytes_sent - before.object_bytes_sent;
  EXPECT_LT(after.hub.bytes_sent - before.hub.bytes_sent, objects + 4096 * engine_count());
  EXPECT_GE(after.hub.bytes_sent - before.hub.bytes_sent, objects);
  before = hub.traffic();
  hub.all().push("small", std::vector<std::int64_t>(100, 1)).get();
  after = hub.traffic();
  EXPECT_EQ(after.object_bytes_sent, before.object_bytes_sent);
  for (auto s : hub.all().apply<&stored_sum>(std::string("big")).get()) EXPECT_EQ(s, sum_of(v));
  hub.all().clear().get();
}

TEST_F(large_push, tasks_read_the_value_after_the_client_let_everything_go) {
  const std::size_t before = sum_held(hub);  // cached arguments of other tests may stay
  std::int64_t expected = 0;
  {
    auto v = std::make_unique<std::vector<std::int64_t>>(block(3));
    expected = sum_of(*v);
    auto pushed = hub.all().push("big", *v);
    pushed.get();
  }
  // The object went from the engines' object caches; their stores keep its bytes.
  EXPECT_EQ(sum_held(hub), before);
  for (auto s : hub.all().apply<&stored_sum>(std::string("big")).get()) EXPECT_EQ(s, expected);
  EXPECT_EQ(sum_held(hub), before);
  hub.all().clear().get();
}

TEST_F(large_push, a_second_push_of_the_name_lets_the_first_value_go) {
  const std::size_t before = sum_held(hub);
  hub.all().push("big", block(1)).get();
  EXPECT_TRUE(all_true(hub.all().apply<&watch>(std::string("big")).get()));
  EXPECT_FALSE(all_true(hub.all().apply<&is_let_go>().get())) << "the first value is still stored";
  const auto second = block(100);
  hub.all().push("big", second).get();
  EXPECT_TRUE(all_true(hub.all().apply<&is_let_go>().get()));
  EXPECT_EQ(sum_held(hub), before);
  for (auto s : hub.all().apply<&stored_sum>(std::string("big")).get())
    EXPECT_EQ(s, sum_of(second));
  hub.all().clear().get();
}

TEST_F(large_push, clear_lets_the_value_go) {
  hub.all().push("big", block(1), "other", block(2)).get();
  EXPECT_TRUE(all_true(hub.all().apply<&watch>(std::string("big")).get()));
  hub.all().clear("big").get();
  EXPECT_TRUE(all_true(hub.all().apply<&is_let_go>().get()));
  for (auto s : hub.all().apply<&stored_sum>(std::string("other")).get())
    EXPECT_EQ(s, sum_of(block(2)));
  EXPECT_TRUE(all_true(hub.all().apply<&watch>(std::string("other")).get()));
  hub.all().clear().get();
  EXPECT_TRUE(all_true(hub.all().apply<&is_let_go>().get()));
}

TEST_F(large_push, a_map_of_large_values_goes_the_same_way) {
  const std::map<std::string, std::vector<std::int64_t>> values{{"a", block(1)}, {"b", block(5)}};
  const auto before = hub.traffic();
  hub.all().push(values).get();
  const auto after = hub.traffic();
  if (is_over_mpi()) expect_each_link_once(before, after, 2 * encoded_size(block(1)));
  for (auto s : hub.all().apply<&stored_sum>(std::string("b")).get())
    EXPECT_EQ(s, sum_of(block(5)));
  hub.all().clear().get();
}

}  // namespace push_test
