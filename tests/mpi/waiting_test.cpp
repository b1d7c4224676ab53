// SPDX-License-Identifier: MIT
// Part of taskhub.
// Waiting with a limit (get with a time-out, hub.wait) and the times of futures and maps.
#include <chrono>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace waiting_test {

using namespace std::chrono_literals;

class waiting : public taskhub_test::hub_test {};

int sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

TEST_F(waiting, get_with_a_timeout_throws_and_the_task_goes_on) {
  auto f = hub.apply<&sleep_ms>(400);
  EXPECT_THROW(f.get(10ms), taskhub::timeout_error);
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(f.get(), 400);
  EXPECT_EQ(f.get(0ms), 400);  // finished: no wait needed
}

TEST_F(waiting, map_get_with_a_timeout_throws_and_a_later_get_returns_every_value) {
  const std::vector<int> ms{1, 400, 1, 1, 400, 1};
  auto m = hub.map<&sleep_ms>(ms);
  EXPECT_THROW(m.get(10ms), taskhub::timeout_error);
  EXPECT_EQ(m.get(), ms);

  auto u = hub.map<&sleep_ms>(taskhub::map_options().unordered(), ms);
  EXPECT_THROW(u.get(10ms), taskhub::timeout_error);
  EXPECT_EQ(u.get(), ms);

  auto lazy = hub.imap<&sleep_ms>(taskhub::map_options().max_outstanding(2), ms);
  EXPECT_THROW(lazy.get(10ms), taskhub::timeout_error);
  EXPECT_EQ(lazy.get(60s), ms);
}

TEST_F(waiting, direct_view_get_with_a_timeout_throws_and_a_later_get_returns_every_value) {
  auto r = hub.all().apply<&sleep_ms>(400);
  EXPECT_THROW(r.get(10ms), taskhub::timeout_error);
  EXPECT_EQ(r.get(), std::vector<int>(engine_count(), 400));
}

TEST_F(waiting, hub_wait_waits_for_every_task_outstanding) {
  std::vector<taskhub::future<int>> fs;
  for (std::size_t i = 0; i < 2 * engine_count(); ++i) fs.push_back(hub.apply<&sleep_ms>(300));
  auto m = hub.map<&sleep_ms>(std::vector<int>{300, 300});
  auto r = hub.all().apply<&sleep_ms>(300);
  EXPECT_FALSE(hub.wait(10ms));
  EXPECT_TRUE(hub.wait(60s));
  for (const auto& f : fs) EXPECT_TRUE(f.ready());
  EXPECT_TRUE(m.ready());
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(hub.wait(0ms));  // nothing left
  EXPECT_TRUE(hub.wait());
}

TEST_F(waiting, a_future_reports_elapsed_wall_and_serial_time) {
  auto f = hub.apply<&sleep_ms>(200);
  EXPECT_THROW(f.wall_time(), taskhub::timeout_error);
  EXPECT_THROW(f.serial_time(), taskhub::timeout_error);
  std::this_thread::sleep_for(50ms);
  if (!f.ready()) {
    EXPECT_GE(f.elapsed(), 50ms);
  }
  f.get();
  EXPECT_GE(f.serial_time(), 190ms);  // the sleep, on the engine
  EXPECT_GE(f.wall_time(), f.serial_time());
  EXPECT_LT(f.wall_time(), 30s);
  EXPECT_EQ(f.elapsed(), f.wall_time());  // stops at completion
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(f.elapsed(), f.wall_time());
}

TEST_F(waiting, a_map_reports_its_size_and_times) {
  const std::vector<int> ms(6, 100);
  auto m = hub.map<&sleep_ms>(ms);
  EXPECT_EQ(m.size(), 6u);
  EXPECT_FALSE(m.ready());
  EXPECT_THROW(m.wall_time(), taskhub::timeout_error);
  EXPECT_EQ(m.get(), ms);
  EXPECT_TRUE(m.ready());
  EXPECT_GE(m.serial_time(), 6 * 90ms);  // the sum of the six sleeps
  EXPECT_GE(m.wall_time(), 90ms);
  EXPECT_EQ(m.elapsed(), m.wall_time());
  if (engine_count() >= 2) {
    EXPECT_LT(m.wall_time(), m.serial_time());  // they overlapped
  }

  auto chunked = hub.map<&sleep_ms>(taskhub::map_options().chunksize(4), ms);
  EXPECT_EQ(chunked.size(), 6u);
  chunked.get();
  EXPECT_GE(chunked.serial_time(), 6 * 90ms);

  auto lazy = hub.imap<&sleep_ms>(taskhub::map_options().max_outstanding(2), ms);
  EXPECT_EQ(lazy.size(), 2u);  // submitted so far
  lazy.get();
  EXPECT_EQ(lazy.size(), 6u);
  EXPECT_GE(lazy.serial_time(), 6 * 90ms);
}

TEST_F(waiting, a_direct_view_call_reports_its_times) {
  auto r = hub.all().apply<&sleep_ms>(100);
  EXPECT_THROW(r.serial_time(), taskhub::timeout_error);
  r.get();
  const auto n = static_cast<int>(engine_count());
  EXPECT_GE(r.serial_time(), n * 90ms);
  EXPECT_GE(r.wall_time(), 90ms);
  EXPECT_EQ(r.elapsed(), r.wall_time());
  if (n >= 2) {
    EXPECT_LT(r.wall_time(), r.serial_time());  // every engine slept at once
  }
}

}  // namespace waiting_test
