// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-report --svg, below each run's timeline: tasks in flight over time, a histogram of task
// durations, and the task graph, drawn by depth, when the run's tasks have parents.

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "svg_parts.hpp"

namespace taskhub_report::svg {

namespace {

constexpr double chart_height = 120;
constexpr std::size_t histogram_bins = 20;
constexpr std::size_t max_graph_nodes = 3000;  // beyond, the graph is described, not drawn
constexpr double level_gap = 56;

std::string line(double x1, double y1, double x2, double y2, const char* stroke) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
         num(y2) + "\" stroke=\"" + stroke + "\"/>\n";
}

std::string text(double x, double y, const std::string& what, const char* anchor = "start",
                 const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + extra +
         ">" + what + "</text>\n";
}

// A vertical count axis from 0 to `top` over [y, y + chart_height], with grid lines.
void count_axis(std::string& svg, double top, double y, const char* title) {
  const double step = std::max(1.0, std::round(tick_step(top, 4)));
  for (double k = 0; k <= top * 1.0001; k += step) {
    const double at = y + chart_height - k / top * chart_height;
    svg += line(left, at, left + plot, at, "#e0e0e0");
    svg += text(left - 6, at + 4, std::to_string(static_cast<long long>(k)), "end");
  }
  svg += text(left - 40, y + chart_height / 2, title, "end");
  svg += line(left, y + chart_height, left + plot, y + chart_height, "#333333");
}

}  // namespace

double draw_in_flight(std::string& svg, const run_usage& u, double y) {
  const auto range = time_range(u);  // (not a structured binding: lambdas below use it)
  const double start = range.first, span = range.second - range.first;
  if (!(span > 0) || u.attempts.empty()) return y;
  // +1 where an attempt starts, -1 where it ends; ends first at equal times.
  std::vector<std::pair<double, int>> steps;
  for (const auto& a : u.attempts) {
    if (std::isnan(a.started) || std::isnan(a.completed)) continue;
    steps.push_back({a.started, 1});
    steps.push_back({std::max(a.started, a.completed), -1});
  }
  std::sort(steps.begin(), steps.end());
  int now = 0, peak = 0;
  std::string points = num(left) + "," + num(y + 24 + chart_height);
  std::vector<std::pair<double, int>> shape;  // (time, tasks in flight from then on)
  for (const auto& [t, d] : steps) {
    now += d;
    peak = std::max(peak, now);
    if (!shape.empty() && shape.back().first == t)
      shape.back().second = now;
    else
      shape.push_back({t, now});
  }
  svg += "<text x=\"10\" y=\"" + num(y + 14) + "\" font-weight=\"bold\">tasks in flight (peak " +
         "<tspan id=\"run-" + std::to_string(u.run) + "-peak\">" + std::to_string(peak) +
         "</tspan>, " + std::to_string(u.p) + " engine" + (u.p == 1 ? "" : "s") + ", mean " +
         num(u.total_busy / span) + ")</text>\n";
  y += 24;
  const double top = std::max<double>({1.0, static_cast<double>(peak), static_cast<double>(u.p)});
  count_axis(svg, top, y, "tasks");
  const auto x_of = [&](double t) {
    return left + std::clamp((t - start) / span, 0.0, 1.0) * plot;
  };
  const auto y_of = [&](int n) { return y + chart_height - n / top * chart_height; };
  int level = 0;
  for (const auto& [t, n] : shape) {
    points += " " + num(x_of(t)) + "," + num(y_of(level));
    points += " " + num(x_of(t)) + "," + num(y_of(n));
    level = n;
  }
  points += " " + num(left + plot) + "," + num(y_of(level));
  points += " " + num(left + plot) + "," + num(y + chart_height);
  svg += "<polygon class=\"in-flight\" points=\"" + points +
         "\" fill=\"#9ecae1\" stroke=\"#3182bd\" stroke-width=\"1\"/>\n";
  if (u.p > 0) {
    const double at = y_of(static_cast<int>(u.p));
    svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(at) + "\" x2=\"" + num(left + plot) +
           "\" y2=\"" + num(at) + "\" stroke=\"#d62728\" stroke-dasharray=\"6,3\"/>\n";
    svg += text(left + plot, at - 4, "engines", "end", " fill=\"#d62728\"");
  }
  const double unit = time_unit(span);
  svg += text(left + plot / 2, y + chart_height + 18,
              std::string("time since the first task was submitted, 0 to ") + num(span / unit) +
                  " " + time_unit_name(span),
              "middle", " fill=\"#555555\"");
  return y + chart_height + 40;
}

double draw_durations(std::string& svg, const run_usage& u, double y) {
  std::vector<const attempt*> ran;  // final attempts that ran: done, failed or cancelled
  for (const auto& a : u.attempts)
    if ((a.what == event::done || a.what == event::failed || a.what == event::cancelled) &&
        a.seconds() >= 0)
      ran.push_back(&a);
  if (ran.empty()) return y;
  double longest = 0;
  for (const auto* a : ran) longest = std::max(longest, a->seconds());
  const double width_of_bin = longest > 0 ? longest / histogram_bins : 1;
  // Per bin, the tasks that ended done, failed and cancelled, stacked in that order.
  std::vector<std::array<std::size_t, 3>> bins(histogram_bins, {0, 0, 0});
  for (const auto* a : ran) {
    const auto b = std::min<std::size_t>(histogram_bins - 1,
                                         static_cast<std::size_t>(a->seconds() / width_of_bin));
    ++bins[b][a->what == event::done ? 0 : a->what == event::failed ? 1 : 2];
  }
  std::size_t tallest = 1;
  for (const auto& b : bins) tallest = std::max(tallest, b[0] + b[1] + b[2]);
  svg += "<text x=\"10\" y=\"" + num(y + 14) +
         "\" font-weight=\"bold\">durations of the tasks that ran (completed - started): " +
         "<tspan id=\"run-" + std::to_string(u.run) + "-ran\">" + std::to_string(ran.size()) +
         "</tspan> tasks, the longest " + xml(human_seconds(longest)) + "</text>\n";
  y += 24;
  count_axis(svg, static_cast<double>(tallest), y, "tasks");
  const double bar = plot / histogram_bins;
  const event states[3] = {event::done, event::failed, event::cancelled};
  for (std::size_t b = 0; b < histogram_bins; ++b) {
    double base = y + chart_height;
    for (int s = 0; s < 3; ++s) {
      if (bins[b][s] == 0) continue;
      const double h = static_cast<double>(bins[b][s]) / tallest * chart_height;
      base -= h;
      svg += "<rect x=\"" + num(left + b * bar + 1) + "\" y=\"" + num(base) + "\" width=\"" +
             num(bar - 2) + "\" height=\"" + num(h) + "\" fill=\"" + colour(states[s]) +
             "\"><title>" + std::to_string(bins[b][s]) + " " + event_name(states[s]) + ", " +
             xml(human_seconds(b * width_of_bin)) + " to " +
             xml(human_seconds((b + 1) * width_of_bin)) + "</title></rect>\n";
    }
  }
  for (std::size_t b = 0; b <= histogram_bins; b += 5)
    svg += text(left + b * bar, y + chart_height + 16, xml(human_seconds(b * width_of_bin)),
                b == histogram_bins ? "end" : "middle");
  svg +=
      text(left + plot / 2, y + chart_height + 32, "task duration", "middle", " fill=\"#555555\"");
  return y + chart_height + 52;
}

double draw_graph(std::string& svg, const report& r, const run_usage& u, double y) {
  if (u.graph.empty()) return y;
  std::size_t levels = 0;
  for (const auto& n : u.graph) levels = std::max(levels, n.depth + 1);
  const std::string run = "run-" + std::to_string(u.run) + "-";
  svg += "<text x=\"10\" y=\"" + num(y + 14) + "\" font-weight=\"bold\">task graph: <tspan id=\"" +
         run + "graph-tasks\">" + std::to_string(u.graph.size()) + "</tspan> tasks, <tspan id=\"" +
         run + "graph-dependencies\">" + std::to_string(u.dependencies) +
         "</tspan> dependencies, <tspan id=\"" + run + "graph-levels\">" + std::to_string(levels) +
         "</tspan> levels (parents above their children)</text>\n";
  y += 30;
  if (u.graph.size() > max_graph_nodes) {
    svg += text(left, y + 10, "too many tasks to draw; --json lists the graph");
    return y + 30;
  }
  // Each level in the order that keeps children near their parents: by the mean place of their
  // parents on the level above (Sugiyama's barycentre), then by id.
  std::vector<std::vector<const task_node*>> by_level(levels);
  for (const auto& n : u.graph) by_level[n.depth].push_back(&n);
  std::map<std::uint64_t, std::pair<double, double>> at;  // id -> (x, y)
  for (std::size_t l = 0; l < levels; ++l) {
    auto& row = by_level[l];
    std::vector<std::pair<double, const task_node*>> order;
    for (const auto* n : row) {
      double sum = 0;
      std::size_t known = 0;
      for (const auto p : n->parents) {
        const auto found = at.find(p);
        if (found != at.end()) sum += found->second.first, ++known;
      }
      order.push_back({known ? sum / known : 0.0, n});
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const double gap = plot / order.size();
    for (std::size_t i = 0; i < order.size(); ++i)
      at[order[i].second->id] = {left + gap * (i + 0.5), y + 12 + l * level_gap};
    svg += text(left - 8, y + 16 + l * level_gap, "level " + std::to_string(l), "end");
  }
  for (const auto& n : u.graph) {
    const auto [x, ny] = at[n.id];
    for (const auto p : n.parents) {
      const auto [px, py] = at[p];
      svg += "<line class=\"dependency\" x1=\"" + num(px) + "\" y1=\"" + num(py) + "\" x2=\"" +
             num(x) + "\" y2=\"" + num(ny) + "\" stroke=\"#888888\" stroke-opacity=\"0.6\"/>\n";
    }
  }
  for (std::size_t l = 0; l < levels; ++l) {
    const double radius = std::clamp(plot / by_level[l].size() * 0.35, 1.5, 7.0);
    for (const auto* n : by_level[l]) {
      const auto [x, ny] = at[n->id];
      const bool is_open = n->what == event::none;
      const std::string state = is_open ? "unfinished" : event_name(n->what);
      const bool has_label = r.labels.count({u.run, n->id}) > 0;
      const std::string name =
          task_name(r, u.run, n->id, false) + (has_label ? "" : " " + n->function);
      std::string tip = name + ": " + state;
      if (!n->parents.empty()) {
        tip += ", after";
        for (const auto p : n->parents) tip += " " + task_name(r, u.run, p, false) + ",";
        tip.pop_back();
      }
      svg += "<circle class=\"task " + state + "\" cx=\"" + num(x) + "\" cy=\"" + num(ny) +
             "\" r=\"" + num(radius) + "\" fill=\"" + (is_open ? "#ffffff" : colour(n->what)) +
             "\" stroke=\"" + (is_open ? "#ff7f0e" : "#333333") +
             "\" stroke-width=\"0.5\"><title>" + xml(tip) + "</title></circle>\n";
      const double room = plot / by_level[l].size();
      if (room >= 80) {  // a name fits under the node
        std::string shown = name;
        const auto fits = static_cast<std::size_t>(room / 6.5);
        if (shown.size() > fits) shown = shown.substr(0, fits - 3) + "...";
        svg += text(x, ny + radius + 12, xml(clean_utf8(shown)), "middle", " font-size=\"10\"");
      }
    }
  }
  return y + levels * level_gap + 10;
}

}  // namespace taskhub_report::svg
