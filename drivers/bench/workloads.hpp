// SPDX-License-Identifier: MIT
// Part of taskhub.
// The standard workloads W1 and W3 through taskhub, for the table and the scaling benchmark.
#pragma once

#include <taskhub/hub.hpp>

namespace taskhub_bench {

struct w1_figures {
  double tasks_per_second = 0;
  double sent = 0, received = 0;  // the hub's messages (the root's, through a tree) per 1,000 tasks
};

/// W1: `tasks` tiny tasks, all submitted, then all collected; checks their sum.
w1_figures run_w1(taskhub::hub& hub, int tasks);

/// W3: `tasks` uneven sleeping tasks (work.hpp); the efficiency is the ideal time on the hub's
/// engines over the wall time.
double run_w3(taskhub::hub& hub, int tasks);

/// `tasks` tasks that each sleep `ms` milliseconds; the efficiency as for W3.
double run_sleeps(taskhub::hub& hub, int tasks, double ms);

}  // namespace taskhub_bench
