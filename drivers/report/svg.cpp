// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-report --svg: a timeline with one row per engine and one bar per task attempt.

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "facts.hpp"
#include "svg_parts.hpp"

namespace taskhub_report {

namespace {

using namespace svg;

// The errors of each task's failed attempts, for the bars' tooltips: retried ones in order, then
// the final one.
using errors_by_task =
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<const failure*>>;

// One run's rows and axis, from `y` down; returns the y below it.
double draw_run(std::string& svg, const report& r, const errors_by_task& errors, const run_usage& u,
                double y) {
  std::string heading = "run " + std::to_string(u.run) + ": " + std::to_string(u.p) + " engine" +
                        (u.p == 1 ? "" : "s") + ", wall span " + human_seconds(u.wall_span);
  if (!std::isnan(u.speedup)) {
    char speedup[64];
    std::snprintf(speedup, sizeof speedup, ", speed-up %.2f", u.speedup);
    heading += speedup;
  }
  svg +=
      "<text x=\"10\" y=\"" + num(y + 14) + "\" font-weight=\"bold\">" + xml(heading) + "</text>\n";
  y += 20;
  // The counts the text report gives, each in an element of its own.
  const std::string run = "run-" + std::to_string(u.run) + "-";
  const auto value = [&](const char* name, std::size_t n) {
    return "<tspan id=\"" + run + name + "\" font-weight=\"bold\">" + std::to_string(n) +
           "</tspan>";
  };
  svg += "<text x=\"10\" y=\"" + num(y + 14) + "\">tasks " + value("tasks", u.tasks.tasks) + ": " +
         value("done", u.tasks.done) + " done, " + value("failed", u.tasks.failed) + " failed, " +
         value("cancelled", u.tasks.cancelled) + " cancelled, " +
         value("restored", u.tasks.restored) + " restored, " +
         value("unfinished", u.tasks.unfinished) + " unfinished; " +
         value("failed-tasks", u.failed_tasks) + " failed tasks with " + value("errors", u.errors) +
         " errors</text>\n";
  y += 26;

  const auto [start, end] = time_range(u);
  const double span = end - start;
  if (!(span > 0)) {
    svg += "<text x=\"" + num(left) + "\" y=\"" + num(y + 14) + "\">no task ran</text>\n";
    return y + 30;
  }

  std::map<std::int32_t, std::string> rows;  // engine rank -> label
  for (const auto& e : u.engines) {
    rows[e.rank] = "engine " + std::to_string(e.rank) + " (" + e.host + ")";
    if (!std::isnan(e.utilisation))
      rows[e.rank] += " " + std::to_string(std::lround(e.utilisation * 100)) + "%";
  }
  for (const auto& a : u.attempts) {
    if (!rows.count(a.engine))
      rows[a.engine] = "engine " + std::to_string(a.engine) + " (" + a.host + ")";
  }
  std::map<std::int32_t, double> row_y;
  const double top = y;
  for (const auto& [rank, label] : rows) {
    const bool is_odd = row_y.size() % 2;
    row_y[rank] = y;
    if (is_odd) {
      svg += "<rect x=\"" + num(left) + "\" y=\"" + num(y) + "\" width=\"" + num(plot) +
             "\" height=\"" + num(row_height) + "\" fill=\"#f4f4f4\"/>\n";
    }
    const std::string shown = label.size() > 34 ? label.substr(0, 33) + "..." : label;
    svg += "<text x=\"" + num(left - 8) + "\" y=\"" + num(y + 15) + "\" text-anchor=\"end\">" +
           xml(shown) + "</text>\n";
    y += row_height;
  }

  // Time axis: grid lines and labels in the unit that suits the span.
  const double unit = time_unit(span);
  const char* unit_name = time_unit_name(span);
  const double step = tick_step(span / unit, 8);
  const int digits = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  for (int k = 0; k * step <= span / unit * 1.0001; ++k) {
    const double x = left + k * step * unit / span * plot;
    char label[48];
    std::snprintf(label, sizeof label, "%.*f %s", digits, k * step, unit_name);
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(top) + "\" x2=\"" + num(x) + "\" y2=\"" +
           num(y + 4) + "\" stroke=\"#cccccc\"/>\n";
    svg += "<text x=\"" + num(x) + "\" y=\"" + num(y + 18) + "\" text-anchor=\"middle\">" + label +
           "</text>\n";
  }
  svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(left + plot) +
         "\" y2=\"" + num(y) + "\" stroke=\"#333333\"/>\n";
  svg +=
      "<text x=\"" + num(left + plot / 2) + "\" y=\"" + num(y + 36) +
      "\" text-anchor=\"middle\" fill=\"#555555\">time since the first task was submitted</text>\n";

  std::map<std::pair<std::uint32_t, std::uint64_t>, std::size_t> retried_seen;
  for (const auto& a : u.attempts) {
    const double x = left + (a.started - start) / span * plot;
    const double w = std::max(1.0, a.seconds() / span * plot);  // the shortest still shows
    std::string tip = task_name(r, a.run, a.id, false) + " " + a.function + " on engine " +
                      std::to_string(a.engine) + ": ";
    if (a.what == event::dispatched) {
      tip += "no outcome (dispatched " + human_seconds(a.started - start) +
             " after the first submission)";
    } else {
      // A retried attempt is known only from its dispatch to the retry (it may have queued).
      tip += a.what == event::retried
                 ? "failed and retried " + human_seconds(a.seconds()) + " after its dispatch"
                 : event_name(a.what) + std::string(" after ") + human_seconds(a.seconds());
    }
    static const std::vector<const failure*> none;
    const auto found = errors.find({a.run, a.id});
    const auto& errs = found == errors.end() ? none : found->second;
    const failure* error = nullptr;
    if (a.what == event::retried) {
      const std::size_t k = retried_seen[{a.run, a.id}]++;
      if (k < errs.size() && !errs[k]->is_final) error = errs[k];
    } else if (a.what == event::failed && !errs.empty() && errs.back()->is_final) {
      error = errs.back();
    }
    if (error) tip += "\n" + (error->type.empty() ? "" : error->type + ": ") + error->message;
    const bool is_open = a.what == event::dispatched;
    // A thin white edge separates neighbours, unless the bar is so thin the edge would hide it.
    const std::string outline = is_open  ? "#ff7f0e\" stroke-dasharray=\"3,2\" stroke-width=\"1"
                                : w >= 3 ? "#ffffff\" stroke-width=\"0.5"
                                         : "none";
    svg += "<rect x=\"" + num(x) + "\" y=\"" +
           num(row_y[a.engine] + (row_height - bar_height) / 2) + "\" width=\"" + num(w) +
           "\" height=\"" + num(bar_height) + "\" class=\"" +
           (is_open ? "unfinished" : event_name(a.what)) + "\" fill=\"" + colour(a.what) +
           "\" stroke=\"" + outline + "\"><title>" + xml(tip) + "</title></rect>\n";
  }
  y += 56;
  y = draw_in_flight(svg, u, y);
  y = draw_durations(svg, u, y);
  return draw_graph(svg, r, u, y);
}

}  // namespace

bool write_svg(const report& r, const std::string& file) {
  std::string body;
  double y = 70;
  errors_by_task errors;
  for (const auto& f : r.failures) errors[{f.run, f.id}].push_back(&f);
  for (const auto& u : r.usage) y = draw_run(body, r, errors, u, y);
  if (r.usage.empty()) {
    body += "<text x=\"10\" y=\"90\">the journal has no runs</text>\n";
    y = 110;
  }

  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
         num(y) + "\" viewBox=\"0 0 " + num(width) + " " + num(y) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<title>" + xml("taskhub timeline of " + r.path) + "</title>\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  svg += "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">" +
         xml("taskhub timeline: " + r.path + " (" + focus_name(r) + ")") + "</text>\n";
  // Legend.
  double x = 10;
  for (event s : {event::done, event::failed, event::retried, event::cancelled, event::restored,
                  event::dispatched}) {
    const std::string name = s == event::retried      ? "failed, then retried"
                             : s == event::dispatched ? "no outcome"
                                                      : event_name(s);
    svg += "<rect x=\"" + num(x) + "\" y=\"36\" width=\"14\" height=\"12\" fill=\"" + colour(s) +
           (s == event::dispatched ? "\" stroke=\"#ff7f0e\" stroke-dasharray=\"3,2" : "") +
           "\"/>\n";
    svg += "<text x=\"" + num(x + 19) + "\" y=\"46\">" + name + "</text>\n";
    x += 32 + 6.5 * name.size();
  }
  svg += "<text x=\"" + num(x + 10) + "\" y=\"46\" fill=\"#555555\">hover for details</text>\n";
  svg += body + "</svg>\n";

  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (!out) return false;
  const bool is_written = std::fwrite(svg.data(), 1, svg.size(), out) == svg.size();
  return std::fclose(out) == 0 && is_written;
}

}  // namespace taskhub_report
