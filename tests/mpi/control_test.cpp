// SPDX-License-Identifier: MIT
// Part of taskhub.
// Functional dependencies, retries, time-outs, abort, resubmit and the task table.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace control_test {

using taskhub::dependency;
using taskhub::task_options;
using taskhub_test::failure_type;
using namespace std::chrono_literals;

class control : public taskhub_test::hub_test {};

int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
int where() { return taskhub::engine::rank(); }
int last_engine_only(int last) {
  if (taskhub::engine::rank() != last) throw taskhub::unmet_dependency("not the last engine");
  return taskhub::engine::rank();
}
int nowhere() { throw taskhub::unmet_dependency("no engine will do"); }
bool is_last_engine() {
  return taskhub::engine::rank() == taskhub::engine::hub().engines().back();
}
bool never() { return false; }

// Fails on the first attempt (noting the engine in `path`), succeeds on the next; returns
// (first engine, this engine).
std::pair<int, int> flaky(const std::string& path) {
  std::ifstream in(path);
  int first = 0;
  if (in >> first) return {first, taskhub::engine::rank()};
  std::ofstream(path) << taskhub::engine::rank();
  throw std::runtime_error("first attempt fails");
}
int always_fails() { throw std::runtime_error("always"); }
// Notes its engine in `path`, then fails.
int fails_noting_engine(const std::string& path) {
  std::ofstream(path, std::ios::app) << taskhub::engine::rank() << '\n';
  throw std::runtime_error("failed on engine " + std::to_string(taskhub::engine::rank()));
}
std::vector<int> engines_noted(const std::string& path) {
  std::ifstream in(path);
  std::vector<int> ranks;
  for (int r = 0; in >> r;) ranks.push_back(r);
  return ranks;
}

std::string temp_path(const char* name) {
  return "/tmp/taskhub-test-" + std::to_string(getpid()) + "-" + name;
}

TEST_F(control, unmet_dependency_reroutes_to_an_engine_not_tried) {
  const int last = hub.engines().back();
  auto f = hub.apply<&last_engine_only>(last);
  EXPECT_EQ(f.get(), last);
  EXPECT_EQ(f.engine(), last);
}

TEST_F(control, unmet_everywhere_is_impossible) {
  auto f = hub.apply<&nowhere>();
  EXPECT_EQ(failure_type(f), taskhub::failure::impossible_dependency);
  EXPECT_NE(f.error().message().find("unmet dependency"), std::string::npos) << f.error().what();
}

TEST_F(control, required_tags_pick_the_engines_that_advertise_them) {
  // main() gives engines of even rank the tag "even".
  auto f = hub.with(task_options().require_tags({"even"})).apply<&where>();
  if (engine_count() >= 2) {
    EXPECT_EQ(f.get() % 2, 0);
  } else {
    EXPECT_EQ(failure_type(f), taskhub::failure::impossible_dependency);
  }
  auto none = hub.with(task_options().require_tags({"quantum"})).apply<&where>();
  EXPECT_EQ(failure_type(none), taskhub::failure::impossible_dependency);
  EXPECT_NE(none.error().message().find("'quantum'"), std::string::npos);
}

TEST_F(control, a_required_predicate_runs_on_the_engine) {
  auto f = hub.with(task_options().require<&is_last_engine>()).apply<&where>();
  EXPECT_EQ(f.get(), hub.engines().back());
  auto never_met = hub.with(task_options().require<&never>()).apply<&where>();
  EXPECT_EQ(failure_type(never_met), taskhub::failure::impossible_dependency);
}

TEST_F(control, retries_rerun_a_failed_task_on_another_engine) {
  const auto path = temp_path("flaky");
  std::remove(path.c_str());
  auto f = hub.with(task_options().retries(2)).apply<&flaky>(path);
  if (engine_count() < 2) {  // no engine it has not failed on
    EXPECT_EQ(failure_type(f), taskhub::failure::impossible_dependency);
    std::remove(path.c_str());
    return;
  }
  const auto [first, second] = f.get();
  EXPECT_NE(first, second);
  EXPECT_EQ(hub.record(f.id()).retries_used, 1);
  std::remove(path.c_str());
}

TEST_F(control, retries_run_out) {
  const int n = static_cast<int>(engine_count()) - 1;  // one attempt per engine
  auto f = hub.with(task_options().retries(n)).apply<&always_fails>();
  EXPECT_EQ(failure_type(f), "std::runtime_error");
  const auto r = hub.record(f.id());
  EXPECT_EQ(r.retries_used, n);
  EXPECT_EQ(r.state, taskhub::task_state::failed);
  EXPECT_EQ(r.error, "std::runtime_error: always");
}

TEST_F(control, retries_go_only_to_engines_the_task_has_not_failed_on) {
  const auto path = temp_path("everywhere");
  std::remove(path.c_str());
  const int n = static_cast<int>(engine_count());
  auto f = hub.with(task_options().retries(n)).apply<&fails_noting_engine>(path);
  EXPECT_EQ(failure_type(f), taskhub::failure::impossible_dependency);
  const std::string why = f.error().message();
  EXPECT_NE(why.find("failed on every engine"), std::string::npos) << why;
  EXPECT_NE(why.find("std::runtime_error: failed on engine " + std::to_string(f.error().engine())),
            std::string::npos) << why;
  auto ranks = engines_noted(path);
  std::sort(ranks.begin(), ranks.end());
  EXPECT_EQ(ranks, hub.engines());  // once on each engine, never twice on one
  EXPECT_EQ(hub.record(f.id()).retries_used, n - 1);
  std::remove(path.c_str());
}

TEST_F(control, retries_that_find_no_engine_left_fail_as_a_dependency_timeout_if_it_has_one) {
  const auto path = temp_path("everywhere-timeout");
  std::remove(path.c_str());
  const int n = static_cast<int>(engine_count());
  auto f = hub.with(task_options().retries(n).dependency_timeout(30s))
               .apply<&fails_noting_engine>(path);
  EXPECT_EQ(failure_type(f), taskhub::failure::dependency_timeout);
  EXPECT_NE(f.error().message().find("failed on every engine"), std::string::npos);
  EXPECT_EQ(engines_noted(path).size(), engine_count());
  std::remove(path.c_str());
}

TEST_F(control, retries_anywhere_reruns_where_the_task_failed) {
  const auto path = temp_path("anywhere");
  std::remove(path.c_str());
  const int n = static_cast<int>(engine_count()) + 1;
  auto f = hub.with(task_options().retries(n).retries_anywhere()).apply<&fails_noting_engine>(path);
  EXPECT_EQ(failure_type(f), "std::runtime_error");
  EXPECT_EQ(hub.record(f.id()).retries_used, n);
  auto ranks = engines_noted(path);
  EXPECT_EQ(ranks.size(), static_cast<std::size_t>(n) + 1);
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  EXPECT_EQ(ranks, hub.engines());  // every engine before any twice
  std::remove(path.c_str());
}

TEST_F(control, a_task_timeout_fails_a_task_that_runs_too_long) {
  const auto t0 = std::chrono::steady_clock::now();
  auto f = hub.with(task_options().timeout(100ms)).apply<&nap>(1500);
  EXPECT_EQ(failure_type(f), taskhub::failure::task_timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1200ms);
  std::this_thread::sleep_for(1600ms);  // the late result arrives and is discarded
  EXPECT_TRUE(f.failed());
  EXPECT_EQ(hub.record(f.id()).state, taskhub::task_state::failed);
  EXPECT_EQ(hub.apply<&nap>(1).get(), 1);  // the engine is free again
}

TEST_F(control, abort_fails_waiting_tasks) {
  auto slow = hub.apply<&nap>(300);
  while (hub.record(slow.id()).state != taskhub::task_state::running) std::this_thread::yield();
  auto child = hub.with(task_options().after(dependency(slow))).apply<&nap>(1);
  auto grandchild = hub.with(task_options().after(dependency(child))).apply<&nap>(1);
  EXPECT_EQ(hub.abort({child.id(), slow.id()}), 1u);  // slow is running: left alone
  EXPECT_EQ(failure_type(child), taskhub::failure::task_aborted);
  EXPECT_EQ(hub.record(child.id()).state, taskhub::task_state::aborted);
  EXPECT_EQ(failure_type(grandchild), taskhub::failure::impossible_dependency);
  EXPECT_EQ(slow.get(), 300);
  EXPECT_EQ(hub.abort({slow.id()}), 0u);
}

TEST_F(control, resubmit_runs_finished_tasks_again) {
  auto f = hub.apply<&nap>(5);
  f.get();
  auto again = hub.resubmit(f);
  EXPECT_NE(again.id(), f.id());
  EXPECT_EQ(again.get(), 5);
  auto failing = hub.apply<&always_fails>();
  failing.wait();
  auto handles = hub.resubmit({failing.id(), f.id()});
  ASSERT_EQ(handles.size(), 2u);
  EXPECT_EQ(failure_type(handles[0]), "std::runtime_error");
  EXPECT_EQ(hub.get_result<int>(handles[1].id()).get(), 5);
  EXPECT_THROW(hub.resubmit({123456789}), taskhub::error);
}

TEST_F(control, resubmit_copies_a_task_that_has_not_finished) {
  auto running = hub.apply<&nap>(300);
  while (hub.record(running.id()).state != taskhub::task_state::running) std::this_thread::yield();
  // Waiting for `running`: its copy runs at once, without the dependency.
  auto waiting = hub.with(task_options().after(dependency(running))).apply<&nap>(7);
  auto waiting_copy = hub.resubmit(waiting);
  EXPECT_NE(waiting_copy.id(), waiting.id());
  EXPECT_EQ(waiting_copy.get(), 7);
  if (engine_count() >= 2) {  // it ran beside `running`, not after it
    EXPECT_EQ(hub.record(waiting.id()).state, taskhub::task_state::waiting);
  }
  auto copy = hub.resubmit(running);
  EXPECT_NE(copy.id(), running.id());
  EXPECT_EQ(copy.get(), 300);
  EXPECT_EQ(running.get(), 300);
  EXPECT_EQ(waiting.get(), 7);
}

TEST_F(control, tasks_results_records_and_purge_take_lists_of_ids) {
  std::vector<taskhub::future<int>> fs;
  for (int i = 0; i < 5; ++i) fs.push_back(hub.apply<&nap>(i));
  auto bad = hub.apply<&always_fails>();
  taskhub::wait(fs);
  bad.wait();
  const std::vector<std::uint64_t> ids{fs[3].id(), bad.id(), fs[1].id()};
  auto results = hub.results<int>({fs[3].id(), fs[1].id()});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].get(), 3);
  EXPECT_EQ(results[1].get(), 1);
  auto handles = hub.tasks(ids);
  ASSERT_EQ(handles.size(), 3u);
  EXPECT_EQ(handles[1].id(), bad.id());
  EXPECT_THROW(hub.tasks({fs[0].id(), 987654321}), taskhub::error);

  auto some =
      hub.records(taskhub::record_query().ids({fs[3].id(), bad.id(), fs[1].id(), 987654321}));
  ASSERT_EQ(some.size(), 3u);  // by id; unknown ids are skipped
  EXPECT_EQ(some[0].id, fs[1].id());
  EXPECT_EQ(some[2].id, bad.id());
  auto failed = hub.records(
      taskhub::record_query().ids(ids).state(taskhub::task_state::failed));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, bad.id());

  auto slow = hub.apply<&nap>(300);
  EXPECT_EQ(hub.purge({fs[1].id(), bad.id(), slow.id(), 987654321}), 2u);  // slow is running
  EXPECT_THROW(hub.task(fs[1].id()), taskhub::error);
  EXPECT_THROW(hub.task(bad.id()), taskhub::error);
  EXPECT_EQ(hub.task(fs[3].id()).id(), fs[3].id());  // not listed: kept
  EXPECT_EQ(hub.task(slow.id()).id(), slow.id());
  EXPECT_EQ(fs[1].get(), 1);  // held futures stay valid
  EXPECT_EQ(slow.get(), 300);
  EXPECT_EQ(hub.purge({slow.id()}), 1u);
}

TEST_F(control, counts_give_each_engine_live_queued_running_done_and_failed) {
  const int e = hub.engines().back();
  const auto before = hub.counts();
  std::vector<taskhub::future<int>> fs;
  for (int i = 0; i < 3; ++i) fs.push_back(hub.apply_on<&nap>(e, 200));
  auto now = hub.counts();
  ASSERT_EQ(now.size(), hub.all_engines().size());
  for (const auto& [rank, c] : now) EXPECT_TRUE(c.live) << rank;
  EXPECT_EQ(now[e].running, 1);  // one at a time
  EXPECT_EQ(now[e].queued, 2);
  taskhub::wait(fs);
  auto bad = hub.apply_on<&always_fails>(e);
  bad.wait();
  auto after = hub.counts();
  EXPECT_EQ(after[e].running + after[e].queued, 0);
  EXPECT_EQ(after[e].done, before.at(e).done + 3);
  EXPECT_EQ(after[e].failed, before.at(e).failed + 1);
  // What finished stays counted once the table lets it go.
  hub.purge();
  EXPECT_EQ(hub.counts()[e].done, after[e].done);
  EXPECT_EQ(hub.counts()[e].failed, after[e].failed);
}

TEST_F(control, get_result_works_for_any_task_in_the_table) {
  auto f = hub.apply<&nap>(3);
  EXPECT_EQ(hub.get_result<int>(f.id()).get(), 3);
  EXPECT_EQ(hub.task(f.id()).id(), f.id());
  EXPECT_THROW(hub.task(987654321), taskhub::error);
}

TEST_F(control, records_answer_queries_by_state_function_engine_and_time) {
  const auto t0 = std::chrono::system_clock::now();
  std::vector<taskhub::future<int>> fs;
  for (int i = 0; i < 6; ++i) fs.push_back(hub.apply<&nap>(i));
  auto bad = hub.apply<&always_fails>();
  taskhub::wait(fs);
  bad.wait();
  const auto t1 = std::chrono::system_clock::now() + 1s;
  auto mine = hub.records(taskhub::record_query().submitted_between(t0, t1));
  EXPECT_EQ(mine.size(), 7u);
  auto naps = hub.records(taskhub::record_query().function("control_test::nap").submitted_between(t0, t1));
  EXPECT_EQ(naps.size(), 6u);
  for (const auto& r : naps) {
    EXPECT_EQ(r.state, taskhub::task_state::done);
    EXPECT_GE(r.completed, r.started);
    EXPECT_NE(r.engine, -1);
  }
  auto failed = hub.records(taskhub::record_query().state(taskhub::task_state::failed).submitted_between(t0, t1));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, bad.id());
  EXPECT_EQ(failed[0].error, "std::runtime_error: always");
  std::size_t by_engine = 0;
  for (int e : hub.engines())
    by_engine += hub.records(taskhub::record_query().engine(e).submitted_between(t0, t1)).size();
  EXPECT_EQ(by_engine, 7u);
  EXPECT_TRUE(hub.records(taskhub::record_query().submitted_between(t1, t1 + 1s)).empty());
  auto counts = hub.counts();
  EXPECT_EQ(counts.size(), engine_count());
  int done = 0, failures = 0;
  for (const auto& [rank, c] : counts) {
    done += c.done;
    failures += c.failed;
  }
  EXPECT_GE(done, 6);
  EXPECT_GE(failures, 1);
}

TEST_F(control, purge_drops_finished_tasks_but_keeps_parents_of_waiting_ones) {
  std::vector<taskhub::future<int>> fs;
  for (int i = 0; i < 50; ++i) fs.push_back(hub.apply<&nap>(0));
  taskhub::wait(fs);
  auto finished_parent = hub.apply<&nap>(0);
  finished_parent.wait();
  auto slow = hub.apply<&nap>(300);
  auto child = hub.with(task_options().after(dependency(finished_parent, slow))).apply<&nap>(2);
  EXPECT_GE(hub.purge(), 50u);
  EXPECT_THROW(hub.task(fs.front().id()), taskhub::error);
  EXPECT_EQ(fs.back().get(), 0);                      // held futures stay valid
  EXPECT_EQ(hub.task(finished_parent.id()).id(), finished_parent.id());  // child needs it
  EXPECT_EQ(child.get(), 2);
  hub.purge();
  EXPECT_THROW(hub.task(finished_parent.id()), taskhub::error);
  EXPECT_THROW(hub.resubmit({child.id()}), taskhub::error);
}

}  // namespace control_test
