// SPDX-License-Identifier: MIT
// Part of taskhub.
// Isolated tasks: a task that aborts, exits, segfaults, is killed or passes the memory limit in
// its runner fails alone, saying which, and the engine serves on with a new runner. Run with
// --taskhub-isolate=on-request --taskhub-task-memory=512M (suite isolation), =all (isolation_all)
// and without runners (isolation_off).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace iso {

int* volatile nowhere = nullptr;

// Item i of the map: most return i * i; a few end their process, or throw.
long item(int i) {
  switch (i) {
    case 7:
      std::abort();
    case 19:
      std::exit(3);
    case 31:
      _exit(1);
    case 43:
      return *nowhere;
    case 55:
      raise(SIGKILL);
      break;
    case 67: {
      std::vector<char> big(std::size_t(2) << 30, 1);  // 2 GiB, past the limit
      return big[12345];
    }
    case 79:
      throw std::domain_error("item 79 is bad");
    default:
      break;
  }
  return static_cast<long>(i) * i;
}

int pid(int) { return static_cast<int>(getpid()); }
int rank(int) { return taskhub::engine::rank(); }
int submits(int) { return taskhub::engine::hub().apply<&pid>(0).get(); }
bool always() { return true; }

// A plain task waits for an isolated one it submitted, which segfaults: the kind of its failure.
std::string waits_for_a_crash(int) {
  auto f = taskhub::engine::hub().with(taskhub::task_options().isolated()).apply<&item>(43);
  f.wait();
  return f.failed() ? f.error().type_name() + ": " + f.error().message() : "did not fail";
}

std::vector<char> bytes_of(int mib) {
  std::vector<char> v(std::size_t(mib) << 20);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<char>(i * 7);
  return v;
}
long sum_of(const std::vector<char>& v) { return std::accumulate(v.begin(), v.end(), 0l); }

}  // namespace iso

namespace {

using taskhub_test::hub_test;

// What each bad item fails with: its type and how its message starts.
const std::map<int, std::pair<std::string, std::string>> bad_items = {
    {7, {taskhub::failure::task_crash, "aborted (SIGABRT) in task "}},
    {19, {taskhub::failure::task_crash, "exited with status 3 in task "}},
    {31, {taskhub::failure::task_crash, "exited with status 1 in task "}},
    {43, {taskhub::failure::task_crash, "killed by signal 11 (SIGSEGV) in task "}},
    {55,
     {taskhub::failure::task_crash,
      "killed by SIGKILL (probably the out-of-memory killer) in task "}},
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ISOLATION_UNDER_ASAN 1
#endif
#endif
#ifdef ISOLATION_UNDER_ASAN  // AddressSanitizer ends the process on a failed operator new
    {67, {taskhub::failure::task_crash, "exited with status 1 in task "}},
#else
    {67, {taskhub::failure::out_of_memory, "out of memory (limit 512 MiB) in task "}},
#endif
    {79, {"std::domain_error", "item 79 is bad"}},
};

// Every item of a 100-item map: the good ones have their value, the bad ones their reason,
// each on one line that names the function.
template <class Result>
void expect_items(Result&& result) {
  int good = 0;
  for (const auto& o : result.return_exceptions()) {
    const int i = static_cast<int>(o.index);
    const auto bad = bad_items.find(i);
    if (bad == bad_items.end()) {
      EXPECT_TRUE(o.ok()) << "item " << i << ": " << (o.error ? o.error->what() : "");
      if (o.ok()) good += *o.value == static_cast<long>(i) * i;
      continue;
    }
    ASSERT_FALSE(o.ok()) << "item " << i << " should have failed";
    EXPECT_EQ(o.error->type_name(), bad->second.first) << o.error->what();
    EXPECT_EQ(o.error->message().rfind(bad->second.second, 0), 0u) << o.error->message();
    EXPECT_EQ(o.error->message().find('\n'), std::string::npos);
    if (bad->second.first == taskhub::failure::task_crash) {
      EXPECT_NE(o.error->message().find("(iso::item) on engine "), std::string::npos)
          << o.error->message();
    }
  }
  EXPECT_EQ(good, 100 - static_cast<int>(bad_items.size()));
}

// Afterwards every engine still serves, isolated or not, and none retired.
void expect_engines_serve(taskhub::hub& hub, std::size_t engines) {
  EXPECT_EQ(hub.engines().size(), engines);
  auto isolated = hub.with(taskhub::task_options().isolated());
  for (int r : hub.engines()) {
    auto view = hub.load_balanced_view({r});
    EXPECT_EQ(view.apply<&iso::item>(12).get(), 144);
    auto f = hub.with(taskhub::task_options().isolated().targets({r})).apply<&iso::rank>(0);
    EXPECT_EQ(f.get(), r);
  }
  std::vector<long> xs(40);
  std::iota(xs.begin(), xs.end(), 100);
  EXPECT_EQ(isolated.map<&iso::item>(xs).get().size(), 40u);
}

std::vector<int> hundred() {
  std::vector<int> xs(100);
  std::iota(xs.begin(), xs.end(), 0);
  return xs;
}

class isolation : public hub_test {};
class isolation_all : public hub_test {};
class isolation_off : public hub_test {};

// A view's tasks carry the option: every bad item fails alone.
TEST_F(isolation, a_view_of_isolated_tasks_survives_its_bad_items) {
  const auto engines = engine_count();
  expect_items(hub.with(taskhub::task_options().isolated()).map<&iso::item>(hundred()));
  expect_engines_serve(hub, engines);
}

// One task asks for it among plain tasks of the same engines.
TEST_F(isolation, one_task_asks_for_isolation) {
  const auto engines = engine_count();
  std::vector<taskhub::future<long>> plain, bad;
  for (int i = 0; i < 20; ++i) plain.push_back(hub.apply<&iso::item>(100 + i));
  for (const auto& [i, why] : bad_items)
    bad.push_back(hub.with(taskhub::task_options().isolated()).apply<&iso::item>(i));
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(plain[static_cast<std::size_t>(i)].get(), long(100 + i) * (100 + i));
  std::size_t k = 0;
  for (const auto& [i, why] : bad_items) {
    auto& f = bad[k++];
    f.wait();
    ASSERT_TRUE(f.failed()) << "item " << i;
    EXPECT_EQ(f.error().type_name(), why.first);
    EXPECT_EQ(f.error().message().rfind(why.second, 0), 0u) << f.error().message();
  }
  expect_engines_serve(hub, engines);
}

// An isolated task runs in another process than its engine's plain tasks; a plain one in the
// engine itself.
TEST_F(isolation, isolated_tasks_run_in_a_process_of_their_own) {
  for (int r : hub.engines()) {
    const int engine_pid = hub.load_balanced_view({r}).apply<&iso::pid>(0).get();
    auto in_runner = hub.with(taskhub::task_options().isolated().targets({r})).apply<&iso::pid>(0);
    EXPECT_NE(in_runner.get(), engine_pid);
    // The runner stays for the next task.
    auto again = hub.with(taskhub::task_options().isolated().targets({r})).apply<&iso::pid>(0);
    EXPECT_EQ(again.get(), in_runner.get());
  }
}

// Arguments and results larger than the shared region, and one past the size it shrinks from.
TEST_F(isolation, large_arguments_and_results_pass) {
  auto isolated = hub.with(taskhub::task_options().isolated());
  for (int mib : {3, 33, 1}) {
    const auto expected = iso::bytes_of(mib);
    EXPECT_EQ(isolated.apply<&iso::bytes_of>(mib).get(), expected) << mib << " MiB";
    EXPECT_EQ(isolated.apply<&iso::sum_of>(expected).get(), iso::sum_of(expected)) << mib << " MiB";
  }
}

// Tasks run by an engine while a task waits, and tasks with requirements, run isolated one by one.
TEST_F(isolation, nested_and_required_tasks_run_isolated_too) {
  const auto why = hub.apply<&iso::waits_for_a_crash>(0).get();
  EXPECT_EQ(why.rfind("taskhub::task_crash: killed by signal 11 (SIGSEGV) in task ", 0), 0u) << why;
  for (int r : hub.engines()) {
    const int engine_pid = hub.load_balanced_view({r}).apply<&iso::pid>(0).get();
    auto f = hub.with(taskhub::task_options().isolated().require<&iso::always>().targets({r}))
                 .apply<&iso::pid>(0);
    EXPECT_NE(f.get(), engine_pid);
  }
  EXPECT_EQ(hub.with(taskhub::task_options().isolated()).apply<&iso::item>(9).get(), 81);
}

// A crash is a failure like any other: retries run the task again, and the last failure says why.
TEST_F(isolation, a_crashing_task_is_retried) {
  auto f = hub.with(taskhub::task_options().isolated().retries(1)).apply<&iso::item>(43);
  f.wait();
  ASSERT_TRUE(f.failed());
  const auto& e = f.error();
  if (engine_count() == 1) {  // no other engine to retry on
    EXPECT_EQ(e.type_name(), taskhub::failure::impossible_dependency);
    EXPECT_NE(e.message().find("was taskhub::task_crash: killed by signal 11 (SIGSEGV)"),
              std::string::npos)
        << e.message();
  } else {
    EXPECT_EQ(e.type_name(), taskhub::failure::task_crash);
    EXPECT_EQ(e.message().rfind("killed by signal 11 (SIGSEGV) in task ", 0), 0u) << e.message();
    EXPECT_EQ(hub.record(f.id()).retries_used, 1);
  }
}

// A task in a runner cannot submit tasks: it fails with one line that says so.
TEST_F(isolation, an_isolated_task_cannot_submit_tasks) {
  auto f = hub.with(taskhub::task_options().isolated()).apply<&iso::submits>(0);
  f.wait();
  ASSERT_TRUE(f.failed());
  EXPECT_EQ(f.error().message(),
            "taskhub::engine::hub is not available in an isolated task: it runs in a process of "
            "its own, apart from its engine (submit from a task that is not isolated)");
}

// --taskhub-isolate=all: plain tasks are isolated too; the engine's store stays in the engine.
TEST_F(isolation_all, every_task_is_isolated) {
  const auto engines = engine_count();
  expect_items(hub.map<&iso::item>(hundred()));
  EXPECT_EQ(hub.engines().size(), engines);
  hub.all().push("x", 41).get();
  for (int x : hub.all().pull<int>("x").get()) EXPECT_EQ(x, 41);
  for (int r : hub.engines()) EXPECT_EQ(hub.apply_on<&iso::rank>(r, 0).get(), r);
  auto ranks = hub.all().apply<&iso::rank>(0).get();
  EXPECT_EQ(ranks, hub.engines());
}

// Without runners, a task that asks for isolation fails with one line that says how to get them.
TEST_F(isolation_off, a_task_that_asks_without_runners_fails_clearly) {
  auto f = hub.with(taskhub::task_options().isolated()).apply<&iso::pid>(0);
  f.wait();
  ASSERT_TRUE(f.failed());
  EXPECT_EQ(f.error().type_name(), "taskhub::error");
  EXPECT_NE(f.error().message().find("asks to run isolated, but the run has no runners: start it "
                                     "with --taskhub-isolate=on-request (or =all)"),
            std::string::npos)
      << f.error().message();
  EXPECT_EQ(hub.apply<&iso::item>(3).get(), 9);
}

}  // namespace
