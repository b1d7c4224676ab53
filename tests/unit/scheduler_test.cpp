// SPDX-License-Identifier: MIT
// Part of taskhub.
// The scheduler's placement in two steps (engines behind sub-hubs: a group, then an engine in it)
// places as one step among all would, and never leaves a task waiting while an engine that may
// take it has room.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "hub/scheduler.hpp"

namespace {

using taskhub::detail::engine_slot;
using taskhub::detail::refill;
using taskhub::detail::scheduler;
using taskhub::detail::task_data;

constexpr int engines = 23, group_size = 5, hwm = 4;

std::vector<int> ranks() {
  std::vector<int> r;
  for (int i = 0; i < engines; ++i) r.push_back(i + 1);
  return r;
}

scheduler make(bool is_grouped, refill policy, const char* scheme = "leastload") {
  scheduler::config cfg;
  cfg.hwm = hwm;
  cfg.policy = policy;
  cfg.scheme = taskhub::make_scheme(scheme);
  if (is_grouped)
    for (int i = 0; i < engines; ++i) cfg.groups.push_back(100 + i / group_size);
  return scheduler(ranks(), cfg);
}

// Sends what a pass assigned, as the hub does: the batch becomes outstanding.
std::vector<int> take_assigned(scheduler& s) {
  std::vector<int> where;
  for (auto* t : s.assigned()) {
    where.push_back(t->engine);
    auto* slot = s.slot_of(t->engine);
    slot->outstanding += static_cast<int>(slot->batch.size());
    slot->batch.clear();
  }
  return where;
}

// One engine answers some of what it holds.
void answer(scheduler& s, int rank, int n) {
  auto* slot = s.slot_of(rank);
  slot->outstanding -= std::min(n, slot->outstanding);
  s.touched(*slot);
}

struct tasks {
  std::vector<std::unique_ptr<task_data>> all;
  task_data& next() {
    all.push_back(std::make_unique<task_data>());
    all.back()->id = all.size();
    return *all.back();
  }
};

TEST(scheduler, places_in_two_steps_where_one_step_among_all_would) {
  for (const char* scheme : {"leastload", "warm", "lru"}) {
    auto flat = make(false, refill::push, scheme), grouped = make(true, refill::push, scheme);
    tasks a, b;
    std::mt19937 rng(7);
    for (int round = 0; round < 400; ++round) {
      const int n = static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) {
        flat.enqueue(a.next());
        grouped.enqueue(b.next());
      }
      flat.schedule();
      grouped.schedule();
      ASSERT_EQ(take_assigned(flat), take_assigned(grouped)) << scheme << ", round " << round;
      for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
        const int rank = 1 + static_cast<int>(rng() % engines), m = 1 + static_cast<int>(rng() % 3);
        answer(flat, rank, m);
        answer(grouped, rank, m);
      }
    }
  }
}

// Whether a pull group takes tasks in a pass: half its room free, or an engine of it empty.
bool is_open(scheduler& s, int group) {
  int load = 0;
  bool has_empty = false;
  for (int i = group * group_size; i < std::min(engines, (group + 1) * group_size); ++i) {
    const int l = s.slots()[static_cast<std::size_t>(i)].load();
    load += l;
    has_empty = has_empty || l == 0;
  }
  const int members = std::min(engines, (group + 1) * group_size) - group * group_size;
  return has_empty || load * 2 <= members * hwm;
}

TEST(scheduler, leaves_no_task_waiting_while_an_open_group_has_room) {
  for (const char* scheme : {"leastload", "plainrandom", "twobin", "weighted"}) {
    auto s = make(true, refill::pull, scheme);
    tasks ts;
    std::mt19937 rng(11);
    std::size_t placed = 0, queued = 0;
    for (int round = 0; round < 400; ++round) {
      for (int i = static_cast<int>(rng() % 20); i > 0; --i, ++queued) s.enqueue(ts.next());
      std::vector<bool> open;
      for (int g = 0; g * group_size < engines; ++g) open.push_back(is_open(s, g));
      s.schedule();
      placed += take_assigned(s).size();
      for (const auto& slot : s.slots()) ASSERT_LE(slot.load(), hwm) << scheme;
      if (placed < queued) {  // tasks wait: every engine of a group open at the pass is full
        for (int i = 0; i < engines; ++i)
          if (open[static_cast<std::size_t>(i / group_size)]) {
            ASSERT_EQ(s.slots()[static_cast<std::size_t>(i)].load(), hwm)
                << scheme << ", round " << round << ", engine " << i + 1;
          }
      }
      for (int k = static_cast<int>(rng() % 6); k > 0; --k)
        answer(s, 1 + static_cast<int>(rng() % engines), 1 + static_cast<int>(rng() % hwm));
    }
    EXPECT_GT(placed, 1000u) << scheme;
  }
}

}  // namespace
