// SPDX-License-Identifier: MIT
// Part of taskhub.
// Abort: tasks queued on an engine are recalled and never run; a task that started runs on. The
// engines are kept busy with tasks that sleep, and what ran is counted on the engines.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace abort_test {

using namespace std::chrono_literals;
using taskhub::task_state;
using taskhub_test::failure_type;

// How often each key was run on this process (an engine, or every engine thread of one process).
std::mutex runs_m;
std::map<std::string, int> runs_by_key;

int mark(std::string key) {
  std::lock_guard<std::mutex> lock(runs_m);
  return ++runs_by_key[key];
}

int runs(std::string key) {
  std::lock_guard<std::mutex> lock(runs_m);
  return runs_by_key[key];
}

int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

// Creates `path` as it starts, so the client knows it runs, then naps.
int touch_and_nap(std::string path, int ms) {
  std::ofstream(path) << "started\n";
  return nap(ms);
}

class abort : public taskhub_test::hub_test {
 protected:
  void SetUp() override { hub.wait(); }  // earlier tests leave nothing running

  // A key of this test, so that runs of other tests (or repeats of this one) do not count.
  std::string key(const std::string& what) const {
    static int made = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->name()) + "/" + what + "/" + std::to_string(++made);
  }

  // How often `k` ran, over every engine.
  int runs_everywhere(const std::string& k) {
    int n = 0;
    for (int e : hub.engines()) n += hub.apply_on<&runs>(e, k).get(30s);
    return n;
  }

  // Looks at the task's record every few milliseconds while its state is `from` (at most 60 s);
  // returns the state it found.
  task_state wait_while(std::uint64_t id, task_state from) {
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    task_state s = hub.record(id).state;
    while (s == from && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(5ms);
      s = hub.record(id).state;
    }
    return s;
  }
  // Waits until a direct task runs (it is queued until its engine is free).
  void expect_running(const taskhub::task_handle& t) {
    EXPECT_EQ(wait_while(t.id(), task_state::queued), task_state::running);
  }

  // Keeps every engine busy for `ms` with a direct task; returns once each runs.
  std::vector<taskhub::future<int>> occupy_engines(int ms) {
    std::vector<taskhub::future<int>> busy;
    for (int e : hub.engines()) busy.push_back(hub.apply_on<&nap>(e, ms));
    for (auto& b : busy) expect_running(b);
    return busy;
  }
};

TEST_F(abort, queued_load_balanced_tasks_are_recalled_and_never_run) {
  auto busy = occupy_engines(3000);
  const std::string k = key("marked");
  std::vector<taskhub::future<int>> marked;
  for (std::size_t i = 0; i < 3 * engine_count(); ++i) marked.push_back(hub.apply<&mark>(k));
  std::vector<std::uint64_t> ids;
  for (auto& f : marked) ids.push_back(f.id());
  // Ready at the hub, or (under a high-water mark above one) sent ahead to the busy engines.
  std::size_t queued = 0;
  for (const auto& r : hub.records(taskhub::record_query().ids(ids))) {
    EXPECT_TRUE(r.state == task_state::ready || r.state == task_state::queued)
        << to_string(r.state);
    queued += r.state == task_state::queued;
  }
  if (taskhub_test::hwm != 1) {
    EXPECT_GT(queued, 0u);
  }
  EXPECT_EQ(hub.abort(ids), marked.size());
  for (auto& f : marked) {
    EXPECT_EQ(failure_type(f), taskhub::failure::task_aborted);
    EXPECT_EQ(hub.record(f.id()).state, task_state::aborted);
  }
  for (auto& b : busy) EXPECT_EQ(b.get(), 3000);
  EXPECT_EQ(runs_everywhere(k), 0);
  // Nothing came back for them later, and the engines take as many tasks as before.
  for (const auto& r : hub.records(taskhub::record_query().ids(ids)))
    EXPECT_EQ(r.state, task_state::aborted);
  const std::string after = key("after");
  std::vector<taskhub::future<int>> more;
  for (std::size_t i = 0; i < 8 * engine_count(); ++i) more.push_back(hub.apply<&mark>(after));
  for (auto& f : more) EXPECT_GE(f.get(60s), 1);
  for (const auto& [rank, c] : hub.counts()) {
    EXPECT_EQ(c.queued, 0) << "engine " << rank;
    EXPECT_EQ(c.running, 0) << "engine " << rank;
  }
}

TEST_F(abort, queued_direct_tasks_are_recalled_and_never_run) {
  const int e = hub.engines().back();
  auto busy = hub.apply_on<&nap>(e, 3000);
  expect_running(busy);
  const std::string k = key("direct");
  std::vector<taskhub::future<int>> marked;
  for (int i = 0; i < 4; ++i) marked.push_back(hub.apply_on<&mark>(e, k));
  std::vector<std::uint64_t> ids;
  for (auto& f : marked) {
    ids.push_back(f.id());
    EXPECT_EQ(hub.record(f.id()).state, task_state::queued);
  }
  EXPECT_EQ(hub.counts()[e].queued, 4);
  EXPECT_EQ(hub.counts()[e].running, 1);
  EXPECT_EQ(hub.abort(ids), 4u);
  for (auto& f : marked) {
    EXPECT_EQ(failure_type(f), taskhub::failure::task_aborted);
    EXPECT_EQ(f.error().engine(), e);
  }
  EXPECT_EQ(hub.abort(ids), 0u);  // counted once
  EXPECT_EQ(busy.get(), 3000);
  EXPECT_EQ(hub.apply_on<&runs>(e, k).get(30s), 0);
  EXPECT_EQ(hub.apply_on<&mark>(e, k).get(30s), 1);  // the engine serves on
}

TEST_F(abort, future_abort_recalls_its_task) {
  const int e = hub.engines().front();
  auto busy = hub.apply_on<&nap>(e, 2000);
  expect_running(busy);
  const std::string k = key("future");
  auto f = hub.apply_on<&mark>(e, k);
  EXPECT_EQ(hub.record(f.id()).state, task_state::queued);
  EXPECT_TRUE(f.abort());
  EXPECT_FALSE(f.abort());  // already aborted
  EXPECT_EQ(failure_type(f), taskhub::failure::task_aborted);
  EXPECT_FALSE(busy.abort());  // running: it runs on
  EXPECT_EQ(busy.get(), 2000);
  EXPECT_EQ(hub.apply_on<&runs>(e, k).get(30s), 0);
  auto waiting = hub.with(taskhub::task_options().after(taskhub::dependency(f)))
                     .apply<&mark>(k);  // f failed: this can never run
  EXPECT_FALSE(waiting.abort());
  EXPECT_EQ(failure_type(waiting), taskhub::failure::impossible_dependency);
}

TEST_F(abort, a_running_task_is_not_aborted_and_finishes) {
  const int e = hub.engines().front();
  auto busy = hub.apply_on<&nap>(e, 1500);
  expect_running(busy);
  EXPECT_EQ(hub.abort({busy.id()}), 0u);
  EXPECT_EQ(busy.get(), 1500);
  EXPECT_EQ(hub.record(busy.id()).state, task_state::done);
}

TEST_F(abort, a_task_that_started_before_its_recall_came_runs_on) {
  // A short task then a long one: the engine may start the long one before the hub hears of it.
  const int e = hub.engines().front();
  const std::string path = "taskhub-abort-test-" + std::to_string(::getpid()) + "-" +
                           std::to_string(taskhub_test::hwm) + ".started";
  std::remove(path.c_str());
  auto first = hub.apply_on<&nap>(e, 0);
  auto started = hub.apply_on<&touch_and_nap>(e, path, 2000);
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (!std::ifstream(path) && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(hub.abort({started.id(), first.id()}), 0u);
  EXPECT_EQ(started.get(), 2000);
  EXPECT_EQ(first.get(), 0);
  EXPECT_EQ(hub.record(started.id()).state, task_state::done);
  std::remove(path.c_str());
}

TEST_F(abort, a_task_is_queued_then_running_then_done) {
  const int e = hub.engines().front();
  auto busy = hub.apply_on<&nap>(e, 1500);
  auto next = hub.apply_on<&nap>(e, 2000);
  expect_running(busy);
  EXPECT_EQ(hub.record(next.id()).state, task_state::queued);
  EXPECT_EQ(wait_while(next.id(), task_state::queued), task_state::running);
  EXPECT_EQ(hub.record(busy.id()).state, task_state::done);
  EXPECT_EQ(hub.counts()[e].running, 1);
  EXPECT_EQ(next.get(), 2000);
  EXPECT_EQ(hub.record(next.id()).state, task_state::done);
}

TEST_F(abort, abort_all_aborts_every_task_that_has_not_started) {
  auto busy = occupy_engines(3000);
  const std::string k = key("all");
  std::vector<taskhub::future<int>> marked;
  for (std::size_t i = 0; i < 2 * engine_count(); ++i) marked.push_back(hub.apply<&mark>(k));
  for (int e : hub.engines()) marked.push_back(hub.apply_on<&mark>(e, k));
  marked.push_back(hub.with(taskhub::task_options().after(taskhub::dependency(busy.front())))
                       .apply<&mark>(k));  // waiting
  EXPECT_EQ(hub.abort_all(), marked.size());
  for (auto& f : marked) EXPECT_EQ(failure_type(f), taskhub::failure::task_aborted);
  for (auto& b : busy) EXPECT_EQ(b.get(), 3000);
  EXPECT_EQ(runs_everywhere(k), 0);
  EXPECT_EQ(hub.abort_all(), 0u);
}

TEST_F(abort, aborting_a_map_fails_its_unstarted_items_and_keeps_the_rest) {
  auto busy = occupy_engines(3000);
  const std::string k = key("map");
  const std::size_t n = 4 * engine_count();
  auto m = hub.map<&mark>(taskhub::map_options().chunksize(2), std::vector<std::string>(n, k));
  EXPECT_EQ(m.abort(), n);
  std::size_t aborted = 0;
  for (const auto& o : m.return_exceptions())
    aborted += !o.ok() && o.error->type_name() == taskhub::failure::task_aborted;
  EXPECT_EQ(aborted, n);
  EXPECT_THROW(m.get(), taskhub::map_error);  // the same error every time
  EXPECT_THROW(m.get(), taskhub::map_error);
  for (auto& b : busy) EXPECT_EQ(b.get(), 3000);
  EXPECT_EQ(runs_everywhere(k), 0);
  EXPECT_EQ(m.abort(), 0u);  // nothing left to abort
}

TEST_F(abort, aborting_an_imap_stops_reading_its_input) {
  auto busy = occupy_engines(2000);
  const std::string k = key("imap");
  auto m = hub.imap<&mark>(taskhub::map_options().max_outstanding(3),
                           std::vector<std::string>(50, k));
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.abort(), 3u);
  std::size_t seen = 0;
  for (const auto& o : m.return_exceptions()) seen += !o.ok();
  EXPECT_EQ(seen, 3u);
  EXPECT_EQ(m.size(), 3u);  // no more items were read
  for (auto& b : busy) EXPECT_EQ(b.get(), 2000);
  EXPECT_EQ(runs_everywhere(k), 0);
}

}  // namespace abort_test
