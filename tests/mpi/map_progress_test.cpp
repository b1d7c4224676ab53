// SPDX-License-Identifier: MIT
// Part of taskhub.
// A map's progress hook and its display on stderr: called on the reading thread, counts that only
// grow, one last call when every item has finished, whichever way the results are read.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "gate.hpp"

namespace map_progress_test {

class map_progress : public taskhub_test::hub_test {};

int fail_on_multiples_of_five(int x) {
  if (x % 5 == 0) throw std::invalid_argument("multiple of five: " + std::to_string(x));
  return x;
}

// The same, once the gate at `path` is open (at once for no path).
int fail_on_multiples_of_five_after(int x, const std::string& path) {
  if (!path.empty()) taskhub_test::wait_for_gate(path);
  return fail_on_multiples_of_five(x);
}

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1);
  return v;
}

/// What a hook saw: every call, and whether each came on the thread that reads the map.
struct seen {
  std::vector<taskhub::map_progress> calls;
  bool is_on_reader = true;
  std::thread::id reader = std::this_thread::get_id();

  taskhub::map_progress_fn hook() {
    return [this](const taskhub::map_progress& p) {
      is_on_reader = is_on_reader && std::this_thread::get_id() == reader;
      calls.push_back(p);
    };
  }

  /// Checks the calls of a map of `n` items of which `failed` fail.
  void expect_whole(std::size_t n, std::size_t failed) const {
    ASSERT_FALSE(calls.empty());
    EXPECT_TRUE(is_on_reader);
    std::size_t finished = 0, last_done = 0;
    for (const auto& p : calls) {
      EXPECT_GE(p.done, last_done);
      EXPECT_LE(p.done, p.total);
      EXPECT_LE(p.failed, p.done);
      last_done = p.done;
      finished += p.is_finished() ? 1 : 0;
    }
    EXPECT_EQ(finished, 1u) << "the last call comes once";
    const auto& last = calls.back();
    EXPECT_TRUE(last.is_finished());
    EXPECT_EQ(last.done, n);
    EXPECT_EQ(last.total, n);
    EXPECT_EQ(last.failed, failed);
    EXPECT_GE(last.elapsed, 0.0);
  }
};

TEST_F(map_progress, reports_every_item_of_an_ordered_map_read_with_get) {
  // The second half waits for a gate the first report opens: a report comes before the end.
  const taskhub_test::gate half("map_progress_half");
  std::vector<std::string> gates(200);
  std::fill(gates.begin() + 100, gates.end(), half.path());
  seen s;
  auto hook = s.hook();
  auto results = hub.map<&fail_on_multiples_of_five_after>(
      taskhub::map_options().progress(
          [&](const taskhub::map_progress& p) {
            hook(p);
            half.open();
          },
          std::chrono::seconds(0)),
      iota(200), gates);
  EXPECT_THROW(results.get(), taskhub::map_error);
  s.expect_whole(200, 40);
  EXPECT_GE(s.calls.size(), 2u) << "with no interval, every delivery may report";
  EXPECT_FALSE(s.calls.front().is_finished());
}

TEST_F(map_progress, reports_an_unordered_map_read_in_a_loop) {
  seen s;
  std::size_t read = 0;
  for (const auto& o :
       hub.map<&fail_on_multiples_of_five>(taskhub::map_options().unordered().chunksize(4).progress(
                                               s.hook(), std::chrono::milliseconds(1)),
                                           iota(120))
           .return_exceptions()) {
    static_cast<void>(o);
    ++read;
  }
  EXPECT_EQ(read, 120u);
  s.expect_whole(120, 24);
}

TEST_F(map_progress, a_long_interval_leaves_only_the_last_call) {
  seen s;
  auto ys = hub.map<&fail_on_multiples_of_five>(
                   taskhub::map_options().progress(s.hook(), std::chrono::hours(1)),
                   std::vector<int>{1, 2, 3, 4, 6, 7})
                .get();
  EXPECT_EQ(ys.size(), 6u);
  ASSERT_EQ(s.calls.size(), 1u);
  s.expect_whole(6, 0);
}

TEST_F(map_progress, an_imap_knows_its_total_once_its_input_is_read) {
  seen s;
  std::size_t read = 0;
  for (const auto& o :
       hub.imap<&fail_on_multiples_of_five>(
              taskhub::map_options().max_outstanding(8).progress(s.hook(), std::chrono::seconds(0)),
              iota(50))
           .return_exceptions()) {
    static_cast<void>(o);
    ++read;
  }
  EXPECT_EQ(read, 50u);
  s.expect_whole(50, 10);
  EXPECT_FALSE(s.calls.front().is_total_known) << "50 items, at most 8 outstanding";
}

TEST_F(map_progress, show_progress_writes_its_lines_to_stderr) {
  // stderr into a file for the map's time (not a terminal: one line per report).
  char path[] = "/tmp/taskhub-map-progress-XXXXXX";
  const int file = ::mkstemp(path);
  ASSERT_GE(file, 0);
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(file, STDERR_FILENO);
  std::size_t failed = 0;
  try {
    hub.map<&fail_on_multiples_of_five>(
           taskhub::map_options().show_progress(std::chrono::seconds(0)), iota(20))
        .get();
  } catch (const taskhub::map_error& e) {
    failed = e.failures().size();
  }
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path);
  EXPECT_EQ(failed, 4u);
  std::string line, last;
  while (std::getline(text, line))
    if (line.rfind("map: ", 0) == 0) last = line;
  EXPECT_EQ(last.rfind("map: 20/20 done, 4 failed, ", 0), 0u) << text.str();
}

}  // namespace map_progress_test
