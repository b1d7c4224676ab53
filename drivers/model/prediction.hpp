// SPDX-License-Identifier: MIT
// Part of taskhub.
// A closed-form model of the root's load in flat and tree hubs (doc/performance.md, "A model of
// the root's load beyond one machine"): the costs come from taskhub-calibrate, the message counts
// from the rules the hub, the sub-hubs and the engines follow.
#pragma once

#include <string>

namespace taskhub_model {

/// What one piece of work costs, in microseconds unless named otherwise.
struct costs {
  double task_us = 0.75;   // the root's work per task apart from placing it and messages
  // Placing a task: the scheduler looks at every engine it places on, at this many ns each when
  // it places among 1,000, 10,000 and 100,000 engines (more engines fall out of the cache).
  double slot_ns_1k = 1.0, slot_ns_10k = 1.2, slot_ns_100k = 7.5;
  double msg_us = 0.33;    // one message sent or received by a hub over MPI (640 B)
  double part_ns = 60;     // one batch packed into or unpacked from a relayed message
  double byte_ns = 0.085;  // one more byte in a message sent (about 12 GB/s)
  double hop_us = 1.5;     // one hop's latency on a cluster's network (assumed, not measured)
  double pass_us = 1.0;    // the shortest pass of a hub or sweep of a sub-hub (assumed)
  double flush_us = 200;   // an engine sends results once they waited this long (or it is idle)
  double bytes_per_task = 96;  // request and result, as the hub counts them
};

/// How the engines hang under the root.
struct layout {
  long engines = 1000;
  int fanout = 0;          // 0: flat
  int levels = 1;          // levels of sub-hubs
  long direct = 0;         // engines the root serves itself in a tree (those of its own node)
  int hwm = 16;
  bool group_refill = true;    // the root refills a whole group when one of its engines runs low
  bool delegated = false;      // sub-hubs place tasks on their engines (the root on its children)
  double window_us = 0;        // a sub-hub holds answers this long before sending them up
};

/// What the model predicts for one layout and task duration.
struct prediction {
  double tasks_per_s = 0;
  double efficiency = 0;           // of the engines' time
  double root_busy = 0;            // fraction of the root's time
  double root_messages = 0;        // per 1,000 tasks, sent and received
  double sub_hub_busy = 0;         // the busiest sub-hub
  double latency_us = 0;           // added to a task's round trip by the levels
  std::string limit;               // "engines", "root" or "sub-hubs"
};

/// Nanoseconds to place a task among `slots` engines (log-linear between the measured sizes).
double placement_ns(const costs& c, double slots);

/// Predicts a run of tasks of `task_us` each (0: tiny) on `l`; `demand_per_s` > 0 caps the rate
/// at what the program submits.
prediction predict(const costs& c, const layout& l, double task_us, double demand_per_s = 0);

/// The best tree for the task duration, fan-outs from 2 to 128 and up to 3 levels: sub-hubs
/// with half their time free, then the most tasks per second, the least busy root, the fewest
/// root messages, fewer levels and the larger fan-out (each within a margin).
layout best_tree(const costs& c, layout base, double task_us);

}  // namespace taskhub_model
