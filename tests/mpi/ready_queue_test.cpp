// SPDX-License-Identifier: MIT
// Part of taskhub.
// Ready tasks held at the hub by the high-water mark: how many go out, and which go first.
// These tests run once per scheme and hwm, like those of scheduling_test.cpp.
#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace ready_queue_test {

using taskhub::task_options;

class ready_queue : public taskhub_test::hub_test {};

int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

TEST_F(ready_queue, the_high_water_mark_bounds_tasks_sent_to_an_engine) {
  if (taskhub_test::hwm == 0) GTEST_SKIP();
  std::vector<taskhub::future<int>> fs;
  for (std::size_t i = 0; i < 4 * engine_count() * taskhub_test::hwm; ++i)
    fs.push_back(hub.apply<&nap>(20));
  std::size_t sent = 0, ready = 0, done = 0;  // sent: queued on an engine or running there
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {  // look until the hub has sent something out
    sent = ready = done = 0;
    for (const auto& r : hub.records()) {
      if (r.id < fs.front().id() || r.id > fs.back().id()) continue;
      sent += r.state == taskhub::task_state::queued || r.state == taskhub::task_state::running;
      ready += r.state == taskhub::task_state::ready;
      done += r.state == taskhub::task_state::done;
    }
  } while (sent == 0 && done == 0 && std::chrono::steady_clock::now() < give_up);
  const std::size_t bound = engine_count() * static_cast<std::size_t>(taskhub_test::hwm);
  EXPECT_EQ(sent + ready + done, fs.size());
  EXPECT_LE(sent, bound);
  EXPECT_GE(sent + done, 1u);
  EXPECT_GE(ready + done, fs.size() - bound);  // the rest waited at the hub
  taskhub::wait(fs);
}

TEST_F(ready_queue, higher_priority_ready_tasks_are_sent_first) {
  if (taskhub_test::hwm != 1) GTEST_SKIP();
  // Occupy every engine, then queue low before high priority tasks.
  std::vector<taskhub::future<int>> blockers;
  for (std::size_t i = 0; i < engine_count(); ++i) blockers.push_back(hub.apply<&nap>(200));
  std::vector<taskhub::future<int>> low, high;
  for (int i = 0; i < 4; ++i) low.push_back(hub.with(task_options().priority(-1)).apply<&nap>(10));
  for (int i = 0; i < 4; ++i) high.push_back(hub.with(task_options().priority(5)).apply<&nap>(10));
  taskhub::wait(low);
  taskhub::wait(high);
  auto latest_high = high.front().started(), earliest_low = low.front().started();
  for (const auto& f : high) latest_high = std::max(latest_high, f.started());
  for (const auto& f : low) earliest_low = std::min(earliest_low, f.started());
  if (engine_count() == 1) {
    EXPECT_LE(latest_high, earliest_low);  // one engine: strictly in priority order
  } else {
    // Several engines may start a low task while the last high one starts elsewhere.
    std::size_t high_first = 0;
    for (const auto& f : high) high_first += f.started() <= earliest_low;
    EXPECT_GE(high_first, 4 - (engine_count() - 1));
  }
  taskhub::wait(blockers);
}

}  // namespace ready_queue_test
