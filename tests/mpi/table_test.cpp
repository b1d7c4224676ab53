// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's table lets go of finished tasks that nothing holds, and the hub counts its traffic.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "fixture.hpp"
#include "gate.hpp"

namespace table_test {

using taskhub::dependency;
using taskhub::task_options;
using taskhub_test::failure_type;

class table : public taskhub_test::hub_test {};
class traffic : public taskhub_test::hub_test {};

std::int64_t twice(std::int64_t x) { return 2 * x; }
int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
std::size_t length(const std::vector<char>& data) { return data.size(); }
// Returns once the file `path` exists (or after a minute).

TEST_F(table, a_long_imap_holds_only_the_items_outstanding) {
  const std::size_t before = hub.tasks_held();
  constexpr std::size_t items = 20000, outstanding = 200;
  std::vector<std::int64_t> xs(items);
  std::iota(xs.begin(), xs.end(), 0);
  std::size_t read = 0, most = 0;
  std::int64_t sum = 0;
  {
    auto results = hub.imap<&twice>(taskhub::map_options().max_outstanding(outstanding), xs);
    for (std::int64_t y : results) {
      sum += y;
      if (++read % 1000 == 0) most = std::max(most, hub.tasks_held());
    }
  }
  EXPECT_EQ(read, items);
  EXPECT_EQ(sum, static_cast<std::int64_t>(items) * (items - 1));
  EXPECT_GT(most, 0u);
  EXPECT_LE(most, before + outstanding);  // never the 20,000 finished ones
  EXPECT_LE(hub.tasks_held(), before);    // the imap is gone: so are its tasks
}

TEST_F(table, a_held_future_keeps_its_task_and_a_dropped_one_lets_it_go) {
  const std::size_t before = hub.tasks_held();
  auto kept = hub.apply<&twice>(21);
  std::uint64_t dropped = 0;
  for (int i = 0; i < 3000; ++i) dropped = hub.apply<&twice>(i).id();  // futures gone at once
  ASSERT_TRUE(hub.wait(std::chrono::minutes(2)));
  EXPECT_LE(hub.tasks_held(), before + 1);
  EXPECT_EQ(kept.get(), 42);
  EXPECT_EQ(hub.record(kept.id()).state, taskhub::task_state::done);
  EXPECT_EQ(hub.get_result<std::int64_t>(kept.id()).get(), 42);
  EXPECT_THROW(hub.task(dropped), taskhub::error);
  // A map's result holds its items' tasks while it lives.
  auto m = hub.map<&twice>(std::vector<std::int64_t>{1, 2, 3});
  EXPECT_EQ(m.get(), (std::vector<std::int64_t>{2, 4, 6}));
  hub.tasks_held();
  for (auto id : m.ids()) EXPECT_EQ(hub.record(id).state, taskhub::task_state::done);
}

// A task that names a released task by id fails as one naming a purged task does: the hub does
// not know it. A dependency made from a future holds the parent, so it never meets that.
TEST_F(table, a_dependency_on_a_released_task_is_unknown_as_after_purge) {
  const std::uint64_t released = hub.apply<&twice>(1).id();
  auto purged = hub.apply<&twice>(2);
  ASSERT_TRUE(hub.wait(std::chrono::minutes(1)));
  hub.tasks_held();
  EXPECT_EQ(hub.purge({purged.id()}), 1u);
  for (auto id : {released, purged.id()}) {
    auto after = hub.with(task_options().after(dependency({id}))).apply<&twice>(3);
    auto follow = hub.with(task_options().follow(dependency({id}))).apply<&twice>(4);
    EXPECT_EQ(failure_type(after), taskhub::failure::invalid_dependency) << id;
    EXPECT_EQ(failure_type(follow), taskhub::failure::invalid_dependency) << id;
  }
}

TEST_F(table, a_dependency_made_from_a_future_holds_its_parent) {
  const dependency parent(hub.apply<&twice>(5));  // the future itself is gone
  ASSERT_TRUE(hub.wait(std::chrono::minutes(1)));
  hub.tasks_held();
  const auto where = hub.record(parent.ids().front()).engine;
  auto after = hub.with(task_options().after(parent)).apply<&twice>(6);
  auto follow = hub.with(task_options().follow(parent)).apply<&twice>(7);
  EXPECT_EQ(after.get(), 12);
  EXPECT_EQ(follow.get(), 14);
  EXPECT_EQ(follow.engine(), where);
}

TEST_F(table, a_waiting_task_holds_the_parents_it_names_by_id) {
  const taskhub_test::gate gate("table_test");
  auto quick = hub.apply<&twice>(8);
  quick.wait();
  auto slow = hub.apply<&taskhub_test::wait_for_gate>(gate.path());
  const std::uint64_t id = quick.id();
  auto child = hub.with(task_options().after(dependency({id, slow.id()}))).apply<&twice>(9);
  hub.tasks_held();  // the hub has taken the child (it was submitted first)
  quick = taskhub::future<std::int64_t>();
  hub.tasks_held();
  EXPECT_EQ(hub.record(id).state, taskhub::task_state::done);  // the child waits on it
  gate.open();
  EXPECT_EQ(child.get(), 18);
  hub.tasks_held();  // the child ran: nothing holds the parent now
  EXPECT_THROW(hub.task(id), taskhub::error);
}

TEST_F(traffic, the_hub_counts_every_message_with_its_engines) {
  constexpr std::uint64_t tasks = 300, large = 20, large_bytes = 4096;
  const auto before = hub.traffic();
  std::vector<taskhub::future<std::int64_t>> fs;
  for (std::uint64_t i = 0; i < tasks; ++i) fs.push_back(hub.apply<&twice>(i));
  std::vector<taskhub::future<std::size_t>> big;
  for (std::uint64_t i = 0; i < large; ++i)
    big.push_back(hub.apply<&length>(std::vector<char>(large_bytes, 'x')));
  taskhub::wait(fs);
  taskhub::wait(big);
  const auto after = hub.traffic();
  const std::uint64_t n = tasks + large;
  const auto& a = after.hub;
  const auto& b = before.hub;
  // Each task goes out once, in a batch of one or more; each comes back as a result, with at
  // most a start notice besides, in batches of one or more.
  EXPECT_GE(a.messages_sent - b.messages_sent, 1u);
  EXPECT_LE(a.messages_sent - b.messages_sent, n);
  EXPECT_GE(a.messages_received - b.messages_received, 1u);
  EXPECT_LE(a.messages_received - b.messages_received, 2 * n);
  const std::uint64_t header = sizeof(taskhub::detail::record_header);
  EXPECT_GE(a.bytes_sent - b.bytes_sent, n * header + large * large_bytes);
  EXPECT_GE(a.bytes_received - b.bytes_received, n * header);
  // What the hub exchanged on the wire adds up over the ranks it talks to; in a flat run those
  // are its engines, with the same figures; through a tree, sub-hubs carry the engines' batches
  // in fewer messages.
  auto add_up = [](const std::map<int, taskhub::traffic>& by_rank) {
    taskhub::traffic sum;
    for (const auto& [rank, t] : by_rank) {
      sum.messages_sent += t.messages_sent;
      sum.bytes_sent += t.bytes_sent;
      sum.messages_received += t.messages_received;
      sum.bytes_received += t.bytes_received;
    }
    return sum;
  };
  const auto wire = add_up(after.peers);
  EXPECT_EQ(wire.messages_sent, a.messages_sent);
  EXPECT_EQ(wire.bytes_sent, a.bytes_sent);
  EXPECT_EQ(wire.messages_received, a.messages_received);
  EXPECT_EQ(wire.bytes_received, a.bytes_received);
  const auto sum = add_up(after.engines);
  bool is_flat = true;
  for (const auto& [rank, t] : after.peers) is_flat = is_flat && after.engines.count(rank) == 1;
  if (is_flat) {
    EXPECT_EQ(sum.messages_sent, a.messages_sent);
    EXPECT_EQ(sum.bytes_sent, a.bytes_sent);
    EXPECT_EQ(sum.messages_received, a.messages_received);
    EXPECT_EQ(sum.bytes_received, a.bytes_received);
  } else {
    EXPECT_LE(a.messages_sent, sum.messages_sent);
    EXPECT_LE(a.messages_received, sum.messages_received);
  }
  // An engine that ran a task got it and answered.
  for (const auto& f : fs) {
    const auto& t = after.engines.at(f.engine());
    EXPECT_GE(t.messages_sent, 1u);
    EXPECT_GE(t.messages_received, 1u);
  }
}

// An engine counts what it exchanged with the hub: the hub sent it at least what it received
// before running a task, and received what it sent before, and the task's result besides.
std::vector<std::uint64_t> engine_counts() {
  const auto t = taskhub::engine::traffic();
  return {static_cast<std::uint64_t>(taskhub::engine::rank()), t.messages_sent, t.bytes_sent,
          t.messages_received, t.bytes_received};
}

TEST_F(traffic, an_engine_counts_what_it_exchanged_with_the_hub) {
  for (int i = 0; i < 20; ++i) {
    const auto e = hub.apply<&engine_counts>().get();
    const auto seen = hub.traffic().engines.at(static_cast<int>(e[0]));
    EXPECT_GE(e[3], 1u);
    EXPECT_GE(e[4], sizeof(taskhub::detail::record_header));
    EXPECT_GE(seen.messages_sent, e[3]);
    EXPECT_GE(seen.bytes_sent, e[4]);
    EXPECT_GE(seen.messages_received, e[1] + 1);
    EXPECT_GE(seen.bytes_received, e[2] + sizeof(taskhub::detail::record_header));
  }
}

}  // namespace table_test
