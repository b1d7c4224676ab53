// SPDX-License-Identifier: MIT
// Part of taskhub.
// The model of the root's load.
#include "prediction.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace taskhub_model {
namespace {

// Messages per second when events come at `rate` and a hub sends what gathered over `window`
// seconds in one message.
double coalesced(double rate, double window) { return rate / (1 + rate * window); }

// One tier of sub-hubs (tier 1 serves engines), as the fixed point left it.
struct tier {
  double count = 0;    // sub-hubs in the tier
  double engines = 0;  // engines under each
  double children = 0; // each one's children
  double busy = 0;
  double up = 0;       // messages per second from each to its parent
  double window = 0;   // seconds it gathers over before sending up
  double pass = 0;     // seconds of one of its passes
};

struct state {
  std::vector<tier> tiers;
  double root_busy = 0, root_pass = 0, root_messages = 0;  // root messages per second
  bool is_feasible = true;
};

// The fixed point of busy fractions, passes and messages at `x` tasks per second.
state settle(const costs& c, const layout& l, double task_us, double x) {
  const double n = static_cast<double>(l.engines);
  const bool is_tree = l.fanout > 0 && l.engines > l.fanout;
  const double direct = !is_tree ? n : std::min(n, static_cast<double>(std::max(0L, l.direct)));
  const double k = std::max(1, l.fanout);
  const double h = std::max(2, l.hwm);
  const double s = 1e-6;  // seconds per microsecond
  // Tasks per answer of an engine: all it holds, or what finishes within its flush time.
  const double batch = task_us <= 0 ? h : std::min(h, std::floor(c.flush_us / task_us) + 1);
  const double per_engine = x / n;
  const double answers = per_engine / batch;  // per engine per second
  // Refills per second and engine: one per answer, or one per group of K every K(h-1) tasks.
  const double refills = l.group_refill && is_tree ? per_engine / (h - 1) : answers;
  // Refill events per engine (a group refill is one event for its K engines).
  const double events_per_engine = l.group_refill && is_tree ? refills / k : refills;

  state st;
  if (is_tree) {
    double below = n - direct, groups = std::ceil((n - direct) / k);
    for (int i = 0; i < l.levels && groups >= 1; ++i) {
      tier t;
      t.count = groups;
      t.engines = below / groups;
      t.children = i == 0 ? t.engines : st.tiers.back().count / groups;
      st.tiers.push_back(t);
      if (groups <= 1) break;
      groups = std::ceil(groups / k);
    }
  }
  const auto place_us = [&](double slots) { return placement_ns(c, slots) * 1e-3; };
  for (int round = 0; round < 300; ++round) {
    bool is_over = false;
    // Each tier from the engines up: its messages, parts and busy fraction.
    for (std::size_t i = 0; i < st.tiers.size(); ++i) {
      tier& t = st.tiers[i];
      const double in = i == 0 ? t.children * answers : t.children * st.tiers[i - 1].up;
      t.pass = std::min(c.pass_us * s / (1 - t.busy), in > 0 ? t.children / in : 1e9);
      t.window = l.window_us * s + t.pass;
      t.up = coalesced(in, t.window);
      const double parent_pass = i + 1 < st.tiers.size() ? st.tiers[i + 1].pass : st.root_pass;
      // Refill events below it: per group refill, or per engine answer.
      const double events = t.engines * events_per_engine;
      const double down_in = coalesced(events, parent_pass);
      const double down_out =
          i == 0 ? t.engines * refills : t.children * coalesced(events / t.children, t.pass);
      const double parts = t.engines * (answers + refills);
      double busy = (in + t.up + down_in + down_out) * c.msg_us * s + parts * c.part_ns * 1e-9;
      if (l.delegated) busy += t.engines * per_engine * (c.task_us + place_us(t.children)) * s;
      is_over = is_over || busy >= 1;
      t.busy = 0.5 * t.busy + 0.5 * std::min(busy, 0.999);
    }
    // The root: its own engines as in a flat run, the top tier's sub-hubs, every task.
    const double subs = st.tiers.empty() ? 0 : st.tiers.back().count;
    const double sub_up = st.tiers.empty() ? 0 : st.tiers.back().up;
    const double in = direct * answers + subs * sub_up;
    st.root_pass = std::min(c.pass_us * s / (1 - st.root_busy),
                            in > 0 ? (direct + subs) / in : 1e9);
    const double top_events = st.tiers.empty() ? 0 : st.tiers.back().engines * events_per_engine;
    const double out =
        direct * coalesced(answers, st.root_pass) + subs * coalesced(top_events, st.root_pass);
    const double parts = (n - direct) * (answers + refills);
    // The root places among every engine flat; behind sub-hubs in two steps, among the groups
    // of the first tier (and its own engines' group) and then one group's engines; placed
    // below, among its own children.
    double slots = n;
    if (is_tree && l.delegated) slots = direct + subs;
    else if (is_tree && !st.tiers.empty())
      slots = st.tiers.front().count + (direct > 0 ? 1 : 0) + std::max(k, direct);
    double busy = x * (c.task_us + place_us(slots) + c.bytes_per_task * c.byte_ns * 1e-3) * s +
                  (in + out) * c.msg_us * s + parts * c.part_ns * 1e-9;
    is_over = is_over || busy >= 1;
    st.root_busy = 0.5 * st.root_busy + 0.5 * std::min(busy, 0.999);
    st.root_messages = in + out;
    st.is_feasible = !is_over;
  }
  return st;
}

}  // namespace

double placement_ns(const costs& c, double slots) {
  const double at = std::log10(std::max(slots, 1.0));
  double per_slot = c.slot_ns_1k;
  if (at >= 5) per_slot = c.slot_ns_100k;
  else if (at >= 4) per_slot = c.slot_ns_10k + (at - 4) * (c.slot_ns_100k - c.slot_ns_10k);
  else if (at >= 3) per_slot = c.slot_ns_1k + (at - 3) * (c.slot_ns_10k - c.slot_ns_1k);
  return slots * per_slot;
}

prediction predict(const costs& c, const layout& l, double task_us, double demand_per_s) {
  const double n = static_cast<double>(l.engines);
  double most = task_us > 0 ? n / (task_us * 1e-6) : 1e12;
  if (demand_per_s > 0) most = std::min(most, demand_per_s);
  double x = most;
  if (!settle(c, l, task_us, x).is_feasible) {  // the largest rate the hubs keep up with
    double lo = 0, hi = most;
    for (int i = 0; i < 60; ++i) {
      const double mid = (lo + hi) / 2;
      (settle(c, l, task_us, mid).is_feasible ? lo : hi) = mid;
    }
    x = lo;
  }
  const state st = settle(c, l, task_us, x);
  prediction p;
  p.tasks_per_s = x;
  p.efficiency = task_us > 0 ? x * task_us * 1e-6 / n : 0;
  p.root_busy = st.root_busy;
  p.root_messages = x > 0 ? 1000 * st.root_messages / x : 0;
  for (const auto& t : st.tiers) {
    p.sub_hub_busy = std::max(p.sub_hub_busy, t.busy);
    p.latency_us += 2 * c.hop_us + 4 * c.msg_us + l.window_us + t.pass * 1e6;
  }
  if (x >= 0.999 * most) {
    p.limit = demand_per_s > 0 && demand_per_s <= most ? "demand" : "engines";
  } else {
    p.limit = p.sub_hub_busy > p.root_busy ? "sub-hubs" : "root";
  }
  return p;
}

layout best_tree(const costs& c, layout base, double task_us) {
  // Layouts whose sub-hubs keep half their time free come first; among them, in order of
  // preference (each within a margin): more tasks per second, a less busy root, fewer root
  // messages; at a tie, fewer levels and fewer sub-hub ranks (the larger fan-out).
  layout best = base;
  prediction top;
  bool has = false, has_room = false;
  for (int levels = 1; levels <= 3; ++levels) {
    for (int k = 128; k >= 2; k /= 2) {
      if (levels > 1 && std::pow(k, levels - 1) * k >= 2.0 * static_cast<double>(base.engines))
        continue;  // a tier of one sub-hub adds a hop and saves nothing
      if (k >= base.engines) continue;
      layout l = base;
      l.fanout = k;
      l.levels = levels;
      const prediction p = predict(c, l, task_us);
      const bool is_roomy = p.sub_hub_busy <= 0.5;
      if (has && has_room && !is_roomy) continue;
      const bool is_as_fast = p.tasks_per_s >= 0.995 * top.tasks_per_s;
      const bool is_as_light = p.root_busy <= top.root_busy + 0.005;
      const bool is_better =
          !has || (is_roomy && !has_room) || p.tasks_per_s > 1.005 * top.tasks_per_s ||
          (is_as_fast && p.root_busy < top.root_busy - 0.005) ||
          (is_as_fast && is_as_light && p.root_messages < 0.95 * top.root_messages);
      if (is_better) best = l, top = p, has = true, has_room = has_room || is_roomy;
    }
  }
  return best;
}

}  // namespace taskhub_model
