// SPDX-License-Identifier: MIT
// Part of taskhub.
// A map's items are tasks: records, counts, retries and placement, whatever the chunksize; and a
// map's result reads the same every time.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "fixture.hpp"

namespace map_items_test {

using taskhub::task_options;
using taskhub::task_state;

class map_items : public taskhub_test::hub_test {};

int fail_on_multiples_of_five(int x) {
  if (x % 5 == 0) throw std::invalid_argument("multiple of five: " + std::to_string(x));
  return x;
}
int where(int) { return taskhub::engine::rank(); }

// Items divisible by 3 fail the first time they run anywhere (a file in `dir` remembers it);
// every run appends the item to dir/runs.
int flaky(int x, const std::string& dir) {
  std::ofstream(dir + "/runs", std::ios::app) << x << '\n';
  const std::string mark = dir + "/" + std::to_string(x);
  if (x % 3 == 0 && !std::ifstream(mark)) {
    std::ofstream(mark) << "failed once\n";
    throw std::runtime_error("flaky item " + std::to_string(x));
  }
  return x;
}

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

std::string fresh_dir() {
  char name[] = "/tmp/taskhub-map-items-XXXXXX";
  return ::mkdtemp(name) ? std::string(name) : std::string();
}

std::map<int, int> runs_per_item(const std::string& dir) {
  std::ifstream in(dir + "/runs");
  std::map<int, int> n;
  for (int x = 0; in >> x;) ++n[x];
  return n;
}

const std::size_t chunksizes[] = {1, 4, 100};

TEST_F(map_items, every_item_has_a_record_and_its_failure_is_a_failed_task) {
  for (std::size_t chunk : chunksizes) {
    auto m = hub.map<&fail_on_multiples_of_five>(taskhub::map_options().chunksize(chunk), iota(23));
    EXPECT_THROW(m.get(), taskhub::map_error);
    const auto ids = m.ids();
    ASSERT_EQ(ids.size(), 23u) << "chunksize " << chunk;
    EXPECT_EQ(std::set<std::uint64_t>(ids.begin(), ids.end()).size(), 23u);
    const auto records = hub.records(taskhub::record_query().ids(ids));
    ASSERT_EQ(records.size(), 23u);
    std::vector<std::uint64_t> failed;
    for (const auto& r : records) {
      EXPECT_EQ(r.function, "map_items_test::fail_on_multiples_of_five");
      if (r.state == task_state::failed) {
        failed.push_back(r.id);
        EXPECT_NE(r.error.find("std::invalid_argument"), std::string::npos) << r.error;
      } else {
        EXPECT_EQ(r.state, task_state::done);
      }
    }
    EXPECT_EQ(failed, (std::vector<std::uint64_t>{ids[0], ids[5], ids[10], ids[15], ids[20]}))
        << "chunksize " << chunk;
    EXPECT_EQ(hub.records(taskhub::record_query().ids(ids).state(task_state::failed)).size(), 5u);
  }
}

TEST_F(map_items, the_engines_count_failed_items) {
  auto before = hub.counts();
  auto m = hub.map<&fail_on_multiples_of_five>(taskhub::map_options().chunksize(8), iota(40));
  EXPECT_THROW(m.get(), taskhub::map_error);
  int failed = 0, done = 0;
  for (const auto& [rank, c] : hub.counts()) {
    failed += c.failed - before[rank].failed;
    done += c.done - before[rank].done;
  }
  EXPECT_EQ(failed, 8);
  EXPECT_EQ(done, 32);
}

TEST_F(map_items, retries_rerun_only_the_failed_items) {
  if (engine_count() < 2) GTEST_SKIP() << "a retry goes to another engine";
  for (std::size_t chunk : chunksizes) {
    const auto dir = fresh_dir();
    ASSERT_FALSE(dir.empty());
    auto m = hub.with(task_options().retries(3))
                 .map<&flaky>(taskhub::map_options().chunksize(chunk), iota(12),
                              std::vector<std::string>(12, dir));
    EXPECT_EQ(m.get(), iota(12)) << "chunksize " << chunk;
    const auto runs = runs_per_item(dir);
    ASSERT_EQ(runs.size(), 12u);
    for (const auto& [x, n] : runs) EXPECT_EQ(n, x % 3 == 0 ? 2 : 1) << "item " << x;
    const auto ids = m.ids();
    for (std::size_t i = 0; i < ids.size(); ++i)
      EXPECT_EQ(hub.record(ids[i]).retries_used, i % 3 == 0 ? 1 : 0) << "item " << i;
    std::filesystem::remove_all(dir);
  }
}

TEST_F(map_items, a_chunk_goes_to_one_engine) {
  const std::size_t chunk = 6;
  auto m = hub.map<&where>(taskhub::map_options().chunksize(chunk), iota(60));
  const auto ranks = m.get();
  std::set<int> used;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    EXPECT_EQ(ranks[i], ranks[i - i % chunk]) << "item " << i;
    used.insert(ranks[i]);
  }
  EXPECT_EQ(used.size(), engine_count());  // ten chunks spread over the engines
}

TEST_F(map_items, a_map_result_reads_the_same_every_time) {
  auto m = hub.map<&fail_on_multiples_of_five>(taskhub::map_options().unordered(),
                                              std::vector<int>{1, 2, 3, 4, 6});
  const std::vector<int> want{1, 2, 3, 4, 6};
  EXPECT_EQ(m.get(), want);
  EXPECT_EQ(m.get(), want);
  std::vector<int> first, second;
  for (int y : m) first.push_back(y);
  for (int y : m) second.push_back(y);
  EXPECT_EQ(first.size(), 5u);
  EXPECT_EQ(first, second);  // unordered: the same arrival order both times
  EXPECT_EQ(m.get(), want);
  std::size_t outcomes = 0;
  for (const auto& o : m.return_exceptions()) outcomes += o.ok();
  EXPECT_EQ(outcomes, 5u);
  EXPECT_EQ(m.size(), 5u);
}

TEST_F(map_items, a_failed_map_gives_the_same_error_every_time) {
  auto m = hub.map<&fail_on_multiples_of_five>(iota(12));
  std::vector<int> seen;
  try {
    for (int y : m) seen.push_back(y);
    FAIL() << "expected the failed item 0 to throw";
  } catch (const taskhub::remote_error& e) {
    EXPECT_EQ(e.message(), "multiple of five: 0");
  }
  EXPECT_TRUE(seen.empty());
  for (int attempt = 0; attempt < 3; ++attempt) {
    try {
      m.get();
      FAIL() << "expected a map_error, attempt " << attempt;
    } catch (const taskhub::map_error& e) {
      ASSERT_EQ(e.failures().size(), 3u);
      EXPECT_EQ(e.failures()[1].first, 5u);
      EXPECT_EQ(e.failures()[2].second.message(), "multiple of five: 10");
    }
  }
  std::size_t failed = 0;
  for (const auto& o : m.return_exceptions()) failed += !o.ok();
  EXPECT_EQ(failed, 3u);
}

TEST_F(map_items, an_imap_is_a_stream_read_once) {
  auto m = hub.imap<&where>(taskhub::map_options().max_outstanding(4), iota(10));
  std::size_t n = 0;
  for (int r : m) {
    (void)r;
    if (++n == 3) break;
  }
  EXPECT_EQ(m.get().size(), 7u);  // the rest
  EXPECT_TRUE(m.get().empty());
  std::size_t more = 0;
  for (int r : m) more += r >= 0;
  EXPECT_EQ(more, 0u);
}

}  // namespace map_items_test
