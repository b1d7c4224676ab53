// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-report's text output: aligned tables for a terminal.

#include <algorithm>
#include <cmath>
#include <utility>

#include "facts.hpp"

namespace taskhub_report {

namespace {

constexpr std::size_t max_failures_shown = 50;

// Rows of cells printed in aligned columns; numbers (columns named in `right`) align right.
// The last column is never padded, so long error messages do not widen the table.
class table {
 public:
  table(std::vector<std::string> header, std::string right) : right_(std::move(right)) {
    rows_.push_back(std::move(header));
  }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::FILE* out) const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    for (const auto& row : rows_) {
      std::string line = " ";
      for (std::size_t c = 0; c < row.size(); ++c) {
        const std::string pad(width[c] - row[c].size(), ' ');
        const bool is_last = c + 1 == row.size();
        line += " ";
        line += right_[c] == 'r' ? pad + row[c] : row[c] + (is_last ? "" : pad);
        if (!is_last) line += " ";
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      std::fprintf(out, "%s\n", line.c_str());
    }
  }

 private:
  std::string right_;  // 'r' or 'l' per column
  std::vector<std::vector<std::string>> rows_;
};

std::string percent(double ratio) {
  if (std::isnan(ratio)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", ratio * 100);
  return text;
}

std::string fixed(double x, int digits) {
  if (std::isnan(x)) return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, x);
  return text;
}

std::string engine_name(std::int32_t engine, const std::string& host) {
  if (engine < 0) return "?";
  return std::to_string(engine) + " (" + host + ")";
}

// "task 4" or its label, after "run 2 " when several runs are shown.
std::string task_name(const report& r, std::uint32_t run, std::uint64_t id) {
  return task_name(r, run, id, r.focus.size() > 1);
}

// One line per error: later lines of a message are indented under the first.
std::string one_paragraph(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\n      ") : std::string(1, c);
  return out;
}

}  // namespace

void print_text(const report& r, std::FILE* out) {
  std::fprintf(out, "journal %s\n", r.path.c_str());
  if (r.is_swmr_open) {
    std::fprintf(
        out,
        "  (still open for writing, or its writer was killed: read as a SWMR reader; it may end "
        "mid-run)\n");
  }
  if (r.runs.empty()) {
    std::fprintf(out, "no runs\n");
    return;
  }
  for (const auto& f : r.runs) {
    if (!f.has_row) {
      std::fprintf(out, "run %u: no /runs row\n", f.info.run);
      continue;
    }
    std::fprintf(out, "run %u: started %s on %s with %u engine%s, taskhub %s: %s\n", f.info.run,
                 utc_time(f.info.started).c_str(), f.info.host.c_str(), f.info.engines,
                 f.info.engines == 1 ? "" : "s", f.info.version.c_str(), f.info.command.c_str());
  }

  std::fprintf(out, "\ntasks by final state\n");
  table states({"run", "tasks", "done", "failed", "cancelled", "restored", "unfinished"},
               "rrrrrrr");
  const auto add = [&](const std::string& name, const counts& c) {
    states.add({name, std::to_string(c.tasks), std::to_string(c.done), std::to_string(c.failed),
                std::to_string(c.cancelled), std::to_string(c.restored),
                std::to_string(c.unfinished)});
  };
  for (const auto& f : r.runs) add(std::to_string(f.info.run), f.tasks);
  add("total", r.total);
  states.print(out);

  const std::string where = focus_name(r);
  std::fprintf(out, "\nfailures in %s: %zu failed task%s, %zu error%s\n", where.c_str(),
               r.failed_tasks, r.failed_tasks == 1 ? "" : "s", r.failures.size(),
               r.failures.size() == 1 ? "" : "s");
  if (!r.failures.empty()) {
    table failures({"task", "function", "engine", "attempt", "then", "error"}, "lllrll");
    // A terminal shows the first ones; --json has them all.
    const std::size_t shown = std::min<std::size_t>(r.failures.size(), max_failures_shown);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& f = r.failures[i];
      const std::string error = f.type.empty() ? f.message : f.type + ": " + f.message;
      failures.add({task_name(r, f.run, f.id), f.function, engine_name(f.engine, f.host),
                    f.attempt ? std::to_string(f.attempt) : "-", f.is_final ? "failed" : "retried",
                    one_paragraph(error)});
    }
    failures.print(out);
    if (shown < r.failures.size()) {
      std::fprintf(out, "  ... and %zu more (--json lists them all)\n", r.failures.size() - shown);
    }
  }
  if (r.restored_failures > 0) {
    std::fprintf(out,
                 "  and %zu failed task%s answered from an earlier run (its error is listed under "
                 "the run that ran it)\n",
                 r.restored_failures, r.restored_failures == 1 ? "" : "s");
  }
  if (!r.cancellations.empty()) {
    std::size_t cancelled = 0;
    for (const auto& c : r.cancellations) cancelled += c.tasks;
    std::fprintf(out, "\ncancelled in %s: %zu task%s\n", where.c_str(), cancelled,
                 cancelled == 1 ? "" : "s");
    table reasons({"tasks", "reason", "for example"}, "rll");
    for (const auto& c : r.cancellations) {
      reasons.add(
          {std::to_string(c.tasks), c.type,
           task_name(r, c.run, c.id) + (c.message.empty() ? "" : ": " + one_paragraph(c.message))});
    }
    reasons.print(out);
  }

  std::fprintf(out, "\nslowest %zu task%s in %s (completed - started)\n", r.slowest.size(),
               r.slowest.size() == 1 ? "" : "s", where.c_str());
  if (!r.slowest.empty()) {
    table slowest({"time", "task", "function", "engine", "state"}, "rllll");
    for (const auto& a : r.slowest) {
      slowest.add({human_seconds(a.seconds()), task_name(r, a.run, a.id), a.function,
                   engine_name(a.engine, a.host), event_name(a.what)});
    }
    slowest.print(out);
  }

  for (const auto& u : r.usage) {
    std::fprintf(out, "\nengines in run %u (wall span %s: first submitted to last completed)\n",
                 u.run, human_seconds(u.wall_span).c_str());
    table engines({"engine", "host", "tasks", "busy", "utilisation"}, "rlrrr");
    for (const auto& e : u.engines) {
      engines.add({std::to_string(e.rank), e.host, std::to_string(e.tasks), human_seconds(e.busy),
                   percent(e.utilisation)});
    }
    engines.print(out);
    if (!u.graph.empty()) {
      std::size_t depth = 0;
      for (const auto& n : u.graph) depth = std::max(depth, n.depth + 1);
      std::fprintf(out, "task graph of run %u: %zu tasks, %zu dependencies, %zu levels\n", u.run,
                   u.graph.size(), u.dependencies, depth);
    }
    std::fprintf(out, "speed-up in run %u: %u engine%s, busy %s in a wall span of %s\n", u.run, u.p,
                 u.p == 1 ? "" : "s", human_seconds(u.total_busy).c_str(),
                 human_seconds(u.wall_span).c_str());
    std::fprintf(out, "  S = %s, efficiency S/p = %s, ", fixed(u.speedup, 3).c_str(),
                 percent(u.efficiency).c_str());
    if (std::isnan(u.serial_fraction)) {
      std::fprintf(out, "Karp-Flatt serial fraction undefined (%s)\n", u.undefined_because.c_str());
    } else {
      std::fprintf(out, "Karp-Flatt serial fraction e = %s\n", fixed(u.serial_fraction, 3).c_str());
    }
  }
}

}  // namespace taskhub_report
