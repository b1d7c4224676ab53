// SPDX-License-Identifier: MIT
// Part of taskhub.
// Shared objects and cached arguments: read in place on engines, sent once per engine, dropped
// once the last handle goes, refused past the engines' budget.
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace taskhub::detail {
bool is_in_object_memory(const void* data);  // lib/core/object_memory.hpp
}

namespace shared_test {

class shared : public taskhub_test::hub_test {
 protected:
  static bool is_set(const char* name, const char* value) {
    const char* v = std::getenv(name);
    return v && std::string(v) == value;
  }
  static bool is_tree() { return std::getenv("TASKHUB_FANOUT") && !is_set("TASKHUB_FANOUT", "0"); }
  static bool are_node_objects_on() { return !is_set("TASKHUB_NODE_OBJECTS", "0"); }
  // Whether engine `rank` maps a node copy: the engines of rank 0's node in a flat run (its first
  // TASKHUB_NODE_SIZE ranks, with simulated nodes), every engine through the tree (each shares
  // its sub-hub's node).
  static bool maps_node_copy(int rank) {
    if (!are_node_objects_on()) return false;
    if (is_tree()) return true;
    const char* m = std::getenv("TASKHUB_NODE_SIZE");
    const int per_node = m ? std::atoi(m) : 0;
    return per_node <= 0 || rank < per_node;
  }
  bool is_over_mpi() const {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size > 1;
  }
  static std::vector<std::int64_t> numbers(std::size_t n, std::int64_t start) {
    std::vector<std::int64_t> v(n);
    std::iota(v.begin(), v.end(), start);
    return v;
  }
};

std::int64_t slice_sum(const std::vector<std::int64_t>& ref, std::size_t at, std::size_t n) {
  std::int64_t s = 0;
  for (std::size_t i = at; i < at + n && i < ref.size(); ++i) s += ref[i];
  return s;
}
// Where the engine keeps the object: the same address for every task on one engine.
std::uint64_t where_read(const std::vector<std::int64_t>& ref) {
  return reinterpret_cast<std::uintptr_t>(ref.data());
}
std::int64_t first_by_value(std::vector<std::int64_t> ref) { return ref.empty() ? -1 : ref[0]; }
std::size_t held() { return taskhub::engine::objects_held(); }
std::string greet(const std::string& who, int n) { return who + std::to_string(n); }

// How many node copies of objects this engine maps.
std::size_t node_copies_mapped() {
  std::ifstream maps("/proc/self/maps");
  std::size_t n = 0;
  for (std::string line; std::getline(maps, line);)
    n += line.find("taskhub-object") != std::string::npos ? 1 : 0;
  return n;
}
std::size_t sum_mapped(taskhub::hub& hub) {
  std::size_t n = 0;
  for (auto k : hub.all().apply<&node_copies_mapped>().get()) n += k;
  return n;
}

std::size_t sum_held(taskhub::hub& hub) {
  std::size_t n = 0;
  for (auto k : hub.all().apply<&held>().get()) n += k;
  return n;
}

TEST_F(shared, tasks_read_the_object_in_place) {
  const auto ref = numbers(1 << 17, 1);  // 1 MiB
  auto h = hub.share(ref);
  EXPECT_GT(h.id(), 0u);
  EXPECT_EQ(h.size(), ref.size() * sizeof(std::int64_t) + 8);
  std::vector<taskhub::future<std::int64_t>> fs;
  const std::size_t tasks = 8 * engine_count();
  for (std::size_t i = 0; i < tasks; ++i) fs.push_back(hub.apply<&slice_sum>(h, i * 1000, 1000));
  for (std::size_t i = 0; i < tasks; ++i) EXPECT_EQ(fs[i].get(), slice_sum(ref, i * 1000, 1000));
  // By const reference: one copy per engine, at one address.
  std::map<int, std::uint64_t> address;
  for (std::size_t i = 0; i < 4 * engine_count(); ++i) {
    auto f = hub.apply<&where_read>(h);
    const auto a = f.get();
    auto [it, is_new] = address.emplace(f.engine(), a);
    EXPECT_EQ(it->second, a) << "engine " << f.engine() << " read a second copy";
  }
  // By value and beside plain arguments, through a direct view too.
  EXPECT_EQ(hub.apply<&first_by_value>(h).get(), 1);
  for (auto s : hub.all().apply<&slice_sum>(h, 10, 2).get()) EXPECT_EQ(s, 11 + 12);
  auto who = hub.share(std::string("engine "));
  EXPECT_EQ(hub.apply<&greet>(who, 7).get(), "engine 7");
}

// The object crosses each link of rank 0 once: to an engine of rank 0's node as a mapping of one
// copy in node memory (unless TASKHUB_NODE_OBJECTS=0), to each sub-hub once (TASKHUB_FANOUT), and
// otherwise once per engine.
TEST_F(shared, the_object_crosses_each_link_once) {
  if (!is_over_mpi()) GTEST_SKIP() << "engines are threads: nothing crosses a wire";
  const auto before = hub.traffic();
  auto h = hub.share(numbers(1 << 19, 0));  // 4 MiB
  const std::size_t tasks = 25 * engine_count();
  std::vector<taskhub::future<std::int64_t>> fs;
  for (std::size_t i = 0; i < tasks; ++i) fs.push_back(hub.apply<&slice_sum>(h, i, 1));
  std::set<int> holders;
  for (std::size_t i = 0; i < tasks; ++i) {
    EXPECT_EQ(fs[i].get(), static_cast<std::int64_t>(i));
    holders.insert(fs[i].engine());
  }
  const auto after = hub.traffic();
  const auto sent = after.hub.bytes_sent - before.hub.bytes_sent;
  const auto objects = after.object_bytes_sent - before.object_bytes_sent;
  const auto on_node = after.object_bytes_on_node - before.object_bytes_on_node;
  const std::size_t links = after.peers.size();  // the sub-hubs, and the engines served directly
  EXPECT_GE(after.object_bytes_saved - before.object_bytes_saved,
            h.size() * (tasks - engine_count()));
  if (is_tree()) {
    EXPECT_EQ(on_node, 0u) << "every engine lies behind a sub-hub";
    EXPECT_GE(objects, h.size());
    EXPECT_LE(objects, h.size() * links);
  } else {
    // One node copy for the engines of rank 0's node; once to each other engine that ran a task,
    // or had one queued before an idle engine took it back.
    std::size_t far = 0, far_holders = 0, near_holders = 0;
    for (int e : hub.engines()) far += maps_node_copy(e) ? 0 : 1;
    for (int e : holders) (maps_node_copy(e) ? near_holders : far_holders) += 1;
    EXPECT_EQ(on_node, near_holders > 0 ? h.size() : 0u);
    EXPECT_LE(on_node, h.size());
    EXPECT_GE(objects, h.size() * far_holders);
    EXPECT_LE(objects, h.size() * far);
  }
  // Everything else the hub sent is small tasks: the object went once per link, not per task.
  EXPECT_EQ(sent >= objects, true);
  EXPECT_LT(sent - objects, tasks * 256 + 64 * 1024);
}

TEST_F(shared, engines_drop_the_object_once_the_last_handle_goes) {
  const std::size_t before = sum_held(hub);  // cached arguments of other tests may stay
  const std::size_t mapped = sum_mapped(hub);
  // Engines of rank 0's node, or of a sub-hub's, map one copy the node shares.
  std::size_t maps = 0;
  for (int e : hub.engines()) maps += is_over_mpi() && maps_node_copy(e) ? 1 : 0;
  auto h = hub.share(numbers(1000, 5));
  for (auto s : hub.all().apply<&slice_sum>(h, 0, 1).get()) EXPECT_EQ(s, 5);
  EXPECT_EQ(sum_held(hub), before + engine_count());
  EXPECT_EQ(sum_mapped(hub), mapped + maps);
  auto copy = h;
  h = {};
  EXPECT_EQ(sum_held(hub), before + engine_count()) << "a copy of the handle still holds it";
  copy = {};
  EXPECT_EQ(sum_held(hub), before);
  EXPECT_EQ(sum_mapped(hub), mapped) << "the node copies go with the object";
}

TEST_F(shared, a_task_that_names_an_object_its_engine_lacks_fails_and_others_finish) {
  auto h = hub.share(numbers(10, 1));
  // A task whose argument is an id no engine was sent: the hub has no object to send.
  auto t = taskhub::detail::make_call<taskhub::detail::handler_of_fn<&slice_sum>>(
      hub.core(), -1, nullptr, h, std::size_t(0), std::size_t(1));
  const std::uint64_t bogus = 987654321;
  auto at = t->request.size() - 2 * sizeof(std::size_t) - sizeof(std::uint64_t);
  std::memcpy(t->request.data() + at, &bogus, sizeof bogus);
  t->objects.clear();
  taskhub::detail::submit(hub.core(), t);
  taskhub::future<std::int64_t> bad(t);
  auto good = hub.apply<&slice_sum>(h, 0, 3);
  EXPECT_EQ(good.get(), 1 + 2 + 3);
  ASSERT_TRUE(bad.wait_for(std::chrono::seconds(60)));
  ASSERT_TRUE(bad.failed());
  const std::string what = bad.error().what();
  EXPECT_NE(what.find("holds no shared object 987654321"), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

// Run with --taskhub-share-budget=1M: an object past it fails the tasks that take it, saying
// why, while smaller objects and other tasks go on.
TEST_F(shared, past_the_budget_tasks_fail_saying_so) {
  const char* budget = std::getenv("TASKHUB_SHARE_BUDGET");
  if (!budget || std::string(budget) != "1M") GTEST_SKIP() << "needs TASKHUB_SHARE_BUDGET=1M";
  auto big = hub.share(numbers(1 << 18, 0));  // 2 MiB
  auto small = hub.share(numbers(1000, 1));
  auto f = hub.apply<&slice_sum>(big, 0, 1);
  auto g = hub.apply<&slice_sum>(small, 0, 2);
  EXPECT_EQ(g.get(), 3);
  f.wait();
  ASSERT_TRUE(f.failed());
  const std::string what = f.error().what();
  EXPECT_NE(what.find("does not fit the share budget"), std::string::npos) << what;
  EXPECT_NE(what.find("--taskhub-share-budget"), std::string::npos) << what;
  // Once the small one goes, room is back for a second small one.
  small = {};
  g = {};
  auto again = hub.share(numbers(1000, 2));
  EXPECT_EQ(hub.apply<&slice_sum>(again, 0, 2).get(), 5);
}

// Large arguments that repeat cross once inline (their first sighting), then once per engine,
// unless TASKHUB_CACHE_THRESHOLD=0.
TEST_F(shared, repeated_large_arguments_are_sent_once) {
  const char* threshold = std::getenv("TASKHUB_CACHE_THRESHOLD");
  const bool is_on = !(threshold && std::string(threshold) == "0");
  const auto before = hub.traffic();
  const auto ref = numbers(1 << 15, 3);  // 256 KiB
  const std::size_t tasks = 10 * engine_count();
  std::vector<taskhub::future<std::int64_t>> fs;
  for (std::size_t i = 0; i < tasks; ++i) fs.push_back(hub.apply<&slice_sum>(ref, i, 1));
  for (std::size_t i = 0; i < tasks; ++i) EXPECT_EQ(fs[i].get(), static_cast<std::int64_t>(i + 3));
  // A small argument is never cached.
  EXPECT_EQ(hub.apply<&slice_sum>(numbers(10, 1), 0, 10).get(), 55);
  const auto after = hub.traffic();
  const auto saved = after.object_bytes_saved - before.object_bytes_saved;
  const std::size_t encoded = ref.size() * sizeof(std::int64_t) + 8;
  if (is_on) {
    EXPECT_GE(saved, encoded * (tasks - 1 - engine_count()));
    if (is_over_mpi()) {
      EXPECT_LT(after.hub.bytes_sent - before.hub.bytes_sent,
                encoded * (1 + engine_count()) + tasks * 256 + 64 * 1024);
    }
  } else {
    EXPECT_EQ(saved, 0u);
    EXPECT_EQ(after.object_bytes_sent, before.object_bytes_sent);
    if (is_over_mpi()) {
      EXPECT_GE(after.hub.bytes_sent - before.hub.bytes_sent, encoded * tasks);
    }
  }
}

// Views: read where the elements lie, without a vector of the engine's own.
std::int64_t view_sum(taskhub::array_view<std::int64_t> v, std::size_t at, std::size_t n) {
  std::int64_t s = 0;
  for (std::size_t i = at; i < at + n && i < v.size(); ++i) s += v[i];
  return s;
}
std::int64_t flagged_sum(bool negate, taskhub::array_view<std::int64_t> v) {
  std::int64_t s = 0;
  for (auto x : v) s += x;
  return negate ? -s : s;
}
std::size_t text_length(std::string_view s, char c) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), c)) * 1000 + s.size();
}
// Whether a shared vector's elements lie in the node's one copy, which this engine maps.
bool lies_in_node_memory(taskhub::array_view<std::int64_t> v) {
  return taskhub::detail::is_in_object_memory(v.data());
}

TEST_F(shared, views_read_the_elements_where_they_lie) {
  const auto ref = numbers(1 << 16, 1);
  auto h = hub.share(ref);
  auto text = hub.share(std::string("a shared text"));
  for (std::size_t i = 0; i < 4 * engine_count(); ++i)
    EXPECT_EQ(hub.apply<&view_sum>(h, i * 100, 100).get(), slice_sum(ref, i * 100, 100));
  // A vector or a view passed as an argument; elements misaligned in the message are copied.
  EXPECT_EQ(hub.apply<&view_sum>(numbers(10, 1), 0, 10).get(), 55);
  EXPECT_EQ(hub.apply<&view_sum>(taskhub::array_view<std::int64_t>(ref), 0, 3).get(), 6);
  EXPECT_EQ(hub.apply<&flagged_sum>(true, numbers(4, 1)).get(), -10);
  EXPECT_EQ(hub.apply<&flagged_sum>(false, std::vector<std::int64_t>{}).get(), 0);
  EXPECT_EQ(hub.apply<&text_length>(text, 'a').get(), 2013u);
  EXPECT_EQ(hub.apply<&text_length>(std::string("xx"), 'x').get(), 2002u);
  EXPECT_EQ(hub.apply<&text_length>("abc", 'z').get(), 3u);
  // A view beside tasks that took the same object as a value, on every engine.
  for (auto s : hub.all().apply<&slice_sum>(h, 0, 2).get()) EXPECT_EQ(s, 3);
  for (auto s : hub.all().apply<&view_sum>(h, 0, 2).get()) EXPECT_EQ(s, 3);
  if (!is_over_mpi()) return;  // engines are threads of this process: nothing to map
  const auto mapped = hub.all().apply<&lies_in_node_memory>(h).get();
  for (std::size_t i = 0; i < mapped.size(); ++i)
    EXPECT_EQ(mapped[i], maps_node_copy(hub.engines()[i]))
        << "engine " << hub.engines()[i] << " reads its node's one copy, when it maps one";
}

// The caching policy, on one engine: a large argument seen once goes inline with its task; seen
// again, it crosses as an object once, and the tasks after refer to it. One that differs from it
// only where its fingerprint does not look is still read as itself.
TEST_F(shared, a_large_argument_goes_as_an_object_from_its_second_sighting) {
  const char* threshold = std::getenv("TASKHUB_CACHE_THRESHOLD");
  const bool is_on = !(threshold && std::string(threshold) == "0");
  const int e = hub.engines().front();
  auto on_e = hub.with(taskhub::task_options().targets({e}));
  const std::size_t encoded = (std::size_t(1) << 15) * sizeof(std::int64_t) + 8;  // 256 KiB

  auto before = hub.traffic();
  const std::size_t distinct = 6;
  std::vector<taskhub::future<std::int64_t>> fs;
  for (std::size_t i = 0; i < distinct; ++i)
    fs.push_back(on_e.apply<&slice_sum>(numbers(1 << 15, 1000000 * std::int64_t(i + 1)), 0, 2));
  for (std::size_t i = 0; i < distinct; ++i)
    EXPECT_EQ(fs[i].get(), 2000000 * std::int64_t(i + 1) + 1);
  auto after = hub.traffic();
  EXPECT_EQ(after.object_bytes_sent, before.object_bytes_sent);
  EXPECT_EQ(after.object_bytes_on_node, before.object_bytes_on_node);
  EXPECT_EQ(after.object_bytes_saved, before.object_bytes_saved);
  if (is_over_mpi()) EXPECT_GE(after.hub.bytes_sent - before.hub.bytes_sent, encoded * distinct);

  const auto ref = numbers(1 << 15, 7);
  before = hub.traffic();
  const std::size_t tasks = 6;
  fs.clear();
  for (std::size_t i = 0; i < tasks; ++i) fs.push_back(on_e.apply<&slice_sum>(ref, i, 2));
  for (std::size_t i = 0; i < tasks; ++i) EXPECT_EQ(fs[i].get(), 2 * std::int64_t(i) + 15);
  after = hub.traffic();
  // The first inline, the second as an object, the rest by id.
  const std::size_t objects = is_on ? encoded : 0;
  // Once, on rank 0's link to the engine (or its sub-hub), or into the node's copy it maps.
  const auto wire = after.object_bytes_sent - before.object_bytes_sent;
  EXPECT_EQ(wire + after.object_bytes_on_node - before.object_bytes_on_node, objects);
  EXPECT_EQ(after.object_bytes_saved - before.object_bytes_saved, is_on ? encoded * (tasks - 2) : 0);
  if (is_over_mpi()) {
    const auto sent = after.hub.bytes_sent - before.hub.bytes_sent;
    const std::size_t inline_tasks = is_on ? 1 : tasks;
    EXPECT_GE(sent, encoded * inline_tasks + wire);
    EXPECT_LT(sent, encoded * inline_tasks + wire + tasks * 256 + 64 * 1024);
  }

  // Bytes the fingerprint does not sample differ: the same fingerprint, another value.
  auto near = ref;
  near[5] = 0;
  EXPECT_EQ(on_e.apply<&slice_sum>(near, 4, 2).get(), 11);
  EXPECT_EQ(on_e.apply<&slice_sum>(near, 5, 1).get(), 0);
  EXPECT_EQ(on_e.apply<&slice_sum>(ref, 5, 1).get(), 12);
}

}  // namespace shared_test
