// SPDX-License-Identifier: MIT
// Part of taskhub.
// From journal rows to the facts taskhub-report prints.

#include "facts.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <utility>

namespace taskhub_report {

namespace {

using task_key = std::pair<std::uint32_t, std::uint64_t>;  // (run, id): ids restart every run
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// What the journal knows of one task.
struct task_view {
  const task_row* task = nullptr;
  const outcome_row* outcome = nullptr;  // the latest
  std::vector<const event_row*> events;
  std::vector<const error_row*> errors;
};

bool is_restored(const outcome_row& o) { return o.is_restored || o.what == event::restored; }

// A final outcome that ran, with times that make sense.
bool has_ran(const outcome_row& o) {
  return !is_restored(o) && o.started > 0 && o.completed >= o.started;
}

// Finds the dispatch of each retried attempt of one task: the last `dispatched` event (in file
// order) of the same attempt at or before the retry. One binary search per retry, so that a task
// retried n times costs n log n, not n^2.
class dispatches {
 public:
  explicit dispatches(const std::vector<const event_row*>& events) {
    for (std::size_t k = 0; k < events.size(); ++k) {
      const event_row* d = events[k];
      if (d->what == event::dispatched && !std::isnan(d->time))
        sent_.push_back({{d->attempt, d->time}, k, d});
    }
    std::sort(sent_.begin(), sent_.end(),
              [](const entry& a, const entry& b) { return a.key < b.key; });
    // Each entry then names the latest in file order of its attempt's dispatches up to its time.
    for (std::size_t i = 1; i < sent_.size(); ++i) {
      const entry& before = sent_[i - 1];
      if (before.key.first == sent_[i].key.first && before.order > sent_[i].order) {
        sent_[i].order = before.order;
        sent_[i].latest = before.latest;
      }
    }
  }

  /// The dispatch of the attempt that `retry` ended, or null.
  const event_row* of(const event_row& retry) const {
    if (std::isnan(retry.time)) return nullptr;
    const key_type key{retry.attempt, retry.time};
    const auto it = std::upper_bound(sent_.begin(), sent_.end(), key,
                                     [](const key_type& k, const entry& e) { return k < e.key; });
    if (it == sent_.begin() || std::prev(it)->key.first != retry.attempt) return nullptr;
    return std::prev(it)->latest;
  }

 private:
  using key_type = std::pair<std::uint32_t, double>;  // attempt, time
  struct entry {
    key_type key;
    std::size_t order;        // of `latest` among the task's events
    const event_row* latest;  // the latest dispatch of this attempt at or before key's time
  };
  std::vector<entry> sent_;
};

void count(counts& c, const task_view& t) {
  ++c.tasks;
  if (!t.outcome) {
    ++c.unfinished;
  } else if (is_restored(*t.outcome)) {
    ++c.restored;
  } else if (t.outcome->what == event::done) {
    ++c.done;
  } else if (t.outcome->what == event::failed) {
    ++c.failed;
  } else if (t.outcome->what == event::cancelled) {
    ++c.cancelled;
  } else {
    ++c.unfinished;
  }
}

// The final state a task is drawn with: done, failed, cancelled, restored, or none (unfinished).
event final_state(const task_view& t) {
  if (!t.outcome) return event::none;
  if (is_restored(*t.outcome)) return event::restored;
  const event e = t.outcome->what;
  return e == event::done || e == event::failed || e == event::cancelled ? e : event::none;
}

// The task graph of run u.run, when the journal names parents for any of its tasks: every task
// of the run, its parents among them, and its depth, the longest chain of parents above it.
void add_graph(run_usage& u, const std::map<task_key, task_view>& tasks,
               const std::map<task_key, std::vector<std::uint64_t>>& parents_of) {
  const auto first = parents_of.lower_bound({u.run, 0});
  if (first == parents_of.end() || first->first.first != u.run) return;
  std::map<std::uint64_t, std::size_t> at;  // id -> its node
  for (auto it = tasks.lower_bound({u.run, 0}); it != tasks.end() && it->first.first == u.run;
       ++it) {
    at[it->first.second] = u.graph.size();
    const task_row* row = it->second.task;
    u.graph.push_back({it->first.second, final_state(it->second), 0, {},
                       row ? row->function : std::string("?")});
  }
  std::vector<std::vector<std::size_t>> children(u.graph.size());
  std::vector<std::size_t> waiting(u.graph.size(), 0);  // parents whose depth is not known yet
  for (std::size_t i = 0; i < u.graph.size(); ++i) {
    auto& n = u.graph[i];
    const auto p = parents_of.find({u.run, n.id});
    if (p == parents_of.end()) continue;
    for (const auto id : p->second) {
      const auto parent = at.find(id);
      if (parent == at.end() || parent->second == i) continue;
      n.parents.push_back(id);
      children[parent->second].push_back(i);
      ++waiting[i];
    }
    u.dependencies += n.parents.size();
  }
  // Parents before children (Kahn's order); a cycle, which no run can make, keeps depth 0.
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < u.graph.size(); ++i)
    if (waiting[i] == 0) ready.push_back(i);
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    for (const std::size_t c : children[i]) {
      u.graph[c].depth = std::max(u.graph[c].depth, u.graph[i].depth + 1);
      if (--waiting[c] == 0) ready.push_back(c);
    }
  }
}

}  // namespace

std::string task_name(const report& r, std::uint32_t run, std::uint64_t id, bool is_run_named) {
  const std::string prefix = is_run_named ? "run " + std::to_string(run) + " " : "";
  const auto label = r.labels.find({run, id});
  return prefix + (label != r.labels.end() ? label->second : "task " + std::to_string(id));
}

report analyse(const journal& j, const std::string& path, const selection& sel) {
  report r;
  r.path = path;
  r.is_swmr_open = j.is_swmr_open;
  r.top = sel.top;

  std::map<task_key, task_view> tasks;
  for (const auto& t : j.tasks) tasks[{t.run, t.id}].task = &t;
  for (const auto& o : j.outcomes) tasks[{o.run, o.id}].outcome = &o;
  for (const auto& e : j.events) tasks[{e.run, e.id}].events.push_back(&e);
  for (const auto& e : j.errors) tasks[{e.run, e.id}].errors.push_back(&e);
  std::map<task_key, std::vector<std::uint64_t>> parents_of;
  for (const auto& p : j.parents) parents_of[{p.run, p.id}].push_back(p.parent);

  std::map<std::uint32_t, run_facts> runs;
  for (const auto& row : j.runs) {
    auto& f = runs[row.run];
    f.info = row;
    f.has_row = true;
  }
  for (const auto& e : j.engines) ++runs[e.run].engine_rows;
  for (const auto& [key, t] : tasks) {
    auto& f = runs[key.first];
    f.info.run = key.first;
    count(f.tasks, t);
    count(r.total, t);
  }
  for (auto& [run, f] : runs) {
    f.info.run = run;
    r.runs.push_back(f);
  }
  if (runs.empty()) {
    if (sel.runs == selection::which::one)
      throw journal_error("has no run " + std::to_string(sel.run) + " (it has no runs)");
    return r;
  }

  switch (sel.runs) {
    case selection::which::latest:
      r.focus.push_back(runs.rbegin()->first);
      break;
    case selection::which::one:
      if (!runs.count(sel.run)) {
        throw journal_error("has no run " + std::to_string(sel.run) + " (it has runs " +
                            std::to_string(runs.begin()->first) + " to " +
                            std::to_string(runs.rbegin()->first) + ")");
      }
      r.focus.push_back(sel.run);
      break;
    case selection::which::all:
      for (const auto& entry : runs) r.focus.push_back(entry.first);
      break;
  }
  const std::set<std::uint32_t> focus(r.focus.begin(), r.focus.end());

  std::map<std::pair<std::uint32_t, std::int32_t>, std::string> hosts;
  for (const auto& e : j.engines) hosts[{e.run, e.rank}] = e.host;
  const auto host_of = [&](std::uint32_t run, std::int32_t rank) {
    auto it = hosts.find({run, rank});
    return it == hosts.end() ? std::string("?") : it->second;
  };

  std::map<std::uint32_t, run_usage> usage;
  for (auto run : r.focus) {
    auto& u = usage[run];
    u.run = run;
    u.wall_start = nan;
    u.wall_end = nan;
  }
  std::vector<attempt> finals;
  std::map<std::string, std::size_t> cancellation_of;  // type -> its place in r.cancellations
  for (const auto& [key, t] : tasks) {
    if (!focus.count(key.first)) continue;
    const std::string function = t.task ? t.task->function : std::string("?");
    if (t.task && !t.task->label.empty()) r.labels[key] = t.task->label;
    auto& u = usage[key.first];
    count(u.tasks, t);
    const std::size_t failures_before = r.failures.size(), failed_before = r.failed_tasks;
    if (t.task && !(t.task->submitted >= u.wall_start)) u.wall_start = t.task->submitted;

    // Earlier attempts that failed and were retried: from their dispatch to the retry.
    std::vector<const event_row*> retries;
    for (const event_row* e : t.events)
      if (e->what == event::retried) retries.push_back(e);
    const dispatches sends(retries.empty() ? std::vector<const event_row*>() : t.events);
    for (const event_row* e : retries) {
      const event_row* sent = sends.of(*e);
      if (!sent) continue;
      const std::int32_t engine = e->engine >= 0 ? e->engine : sent->engine;
      u.attempts.push_back({key.first, key.second, function, engine, host_of(key.first, engine),
                            event::retried, sent->time, e->time});
    }
    // A task without an outcome was still running when the writer stopped: drawn to the end.
    if (!t.outcome && !t.events.empty() && t.events.back()->what == event::dispatched &&
        !std::isnan(t.events.back()->time)) {
      const event_row& e = *t.events.back();
      u.attempts.push_back({key.first, key.second, function, e.engine, host_of(key.first, e.engine),
                            event::dispatched, e.time, e.time});
    }
    if (t.outcome && has_ran(*t.outcome)) {
      const auto& o = *t.outcome;
      attempt a{key.first, key.second, function,   o.engine, host_of(key.first, o.engine),
                o.what,    o.started,  o.completed};
      u.attempts.push_back(a);
      finals.push_back(a);
    }

    // The k-th error of a task is its k-th failed attempt; the last one may be why it ended.
    // A restored task's errors belong to the run that ran it.
    const event ended = t.outcome ? t.outcome->what : event::none;
    if (t.outcome && is_restored(*t.outcome)) {
      if (ended == event::failed) ++r.restored_failures;
      continue;
    }
    const bool has_reason =
        (ended == event::failed || ended == event::cancelled) && !t.errors.empty();
    const std::size_t attempts_failed = t.errors.size() - (has_reason ? 1 : 0);
    for (std::size_t k = 0; k < attempts_failed; ++k) {
      const std::int32_t engine = k < retries.size() ? retries[k]->engine : -1;
      r.failures.push_back({key.first, key.second, function, engine, host_of(key.first, engine),
                            static_cast<std::uint32_t>(k + 1), false, t.errors[k]->type,
                            t.errors[k]->message});
    }
    if (ended == event::failed) {
      ++r.failed_tasks;
      const std::int32_t engine = t.outcome->engine;
      const bool has_run = engine >= 0 || t.outcome->started > 0;
      r.failures.push_back({key.first, key.second, function, engine, host_of(key.first, engine),
                            has_run ? static_cast<std::uint32_t>(attempts_failed + 1) : 0, true,
                            has_reason ? t.errors.back()->type : "",
                            has_reason ? t.errors.back()->message : "(no error recorded)"});
    } else if (ended == event::cancelled) {
      const std::string type = has_reason ? t.errors.back()->type : "(no reason recorded)";
      const auto [at, is_new] = cancellation_of.emplace(type, r.cancellations.size());
      if (is_new) {
        r.cancellations.push_back(
            {type, 0, key.first, key.second, has_reason ? t.errors.back()->message : ""});
      }
      ++r.cancellations[at->second].tasks;
    }
    u.errors += r.failures.size() - failures_before;
    u.failed_tasks += r.failed_tasks - failed_before;
  }

  std::stable_sort(finals.begin(), finals.end(),
                   [](const attempt& a, const attempt& b) { return a.seconds() > b.seconds(); });
  if (finals.size() > sel.top) finals.resize(sel.top);
  r.slowest = finals;

  // Each run's engine rows and latest event, gathered once rather than once per run.
  std::map<std::uint32_t, std::vector<const engine_row*>> engines_of;
  for (const auto& e : j.engines)
    if (focus.count(e.run)) engines_of[e.run].push_back(&e);
  std::map<std::uint32_t, double> last_event;
  for (const auto& e : j.events) {
    if (!focus.count(e.run) || std::isnan(e.time)) continue;
    const auto [at, is_new] = last_event.emplace(e.run, e.time);
    if (!is_new) at->second = std::max(at->second, e.time);
  }

  for (auto run : r.focus) {
    auto& u = usage[run];
    const auto& f = runs[run];
    std::map<std::int32_t, engine_use> engines;
    for (const engine_row* e : engines_of[run]) engines[e->rank] = {e->rank, e->host, 0, 0, 0};
    for (const auto& a : u.attempts) {
      if (a.what == event::retried || a.what == event::dispatched) continue;
      auto& e = engines[a.engine];
      e.rank = a.engine;
      e.host = host_of(run, a.engine);
      ++e.tasks;
      e.busy += a.seconds();
      u.total_busy += a.seconds();
      if (!(a.completed <= u.wall_end)) u.wall_end = a.completed;
    }
    if (std::isnan(u.wall_start)) {  // no /tasks rows: from the first attempt
      for (const auto& a : u.attempts) u.wall_start = std::min(a.started, u.wall_start);
    }
    // Tasks still running (a live run, or one that was killed): the span runs to the latest time
    // the run recorded, and they count as busy until then.
    bool is_open = false;
    for (const auto& a : u.attempts) is_open |= a.what == event::dispatched;
    const auto latest = last_event.find(run);
    if (is_open && latest != last_event.end() && !(latest->second <= u.wall_end))
      u.wall_end = latest->second;
    u.wall_span = u.wall_end > u.wall_start ? u.wall_end - u.wall_start : 0;
    for (auto& a : u.attempts) {
      if (a.what != event::dispatched || !(a.completed < u.wall_end)) continue;
      a.completed = u.wall_end;
      auto& e = engines[a.engine];
      e.rank = a.engine;
      e.host = host_of(run, a.engine);
      e.busy += a.seconds();
      u.total_busy += a.seconds();
    }
    for (auto& [rank, e] : engines) {
      e.utilisation = u.wall_span > 0 ? e.busy / u.wall_span : nan;
      u.engines.push_back(e);
    }
    u.p = f.info.engines > 0
              ? f.info.engines
              : static_cast<unsigned>(f.engine_rows > 0 ? f.engine_rows : engines.size());
    u.speedup = u.wall_span > 0 && u.total_busy > 0 ? u.total_busy / u.wall_span : nan;
    u.efficiency = u.p > 0 ? u.speedup / u.p : nan;
    u.serial_fraction = nan;
    if (std::isnan(u.speedup)) {
      u.undefined_because = "no task ran";
    } else if (u.p == 0) {
      u.undefined_because = "the journal names no engines";
    } else if (u.p == 1) {
      u.undefined_because = "one engine: the formula divides by 1 - 1/p = 0";
    } else {
      const double p = u.p;
      u.serial_fraction = (1 / u.speedup - 1 / p) / (1 - 1 / p);
    }
    add_graph(u, tasks, parents_of);
    std::sort(u.attempts.begin(), u.attempts.end(),
              [](const attempt& a, const attempt& b) { return a.started < b.started; });
    r.usage.push_back(u);
  }
  return r;
}

std::string human_seconds(double s) {
  char text[64];
  if (std::isnan(s)) return "-";
  // The unit is chosen after rounding to three digits, so 0.9996 s is "1.000 s", not "1e+03 ms".
  if (std::fabs(s) >= 0.9995 || s == 0) {
    std::snprintf(text, sizeof text, "%.3f s", s);
  } else if (std::fabs(s) >= 0.9995e-3) {
    std::snprintf(text, sizeof text, "%.3g ms", s * 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.3g us", s * 1e6);
  }
  return text;
}

std::string utc_time(double epoch) {
  if (!(std::fabs(epoch) < 1e15)) return "?";  // a time_t could not hold it, or not a number
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  char text[64];
  if (!gmtime_r(&t, &tm) || !std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm))
    return "?";
  return text;
}

bool is_c1(const std::string& utf8, std::size_t i) {
  return static_cast<unsigned char>(utf8[i]) == 0xc2 && i + 1 < utf8.size() &&
         static_cast<unsigned char>(utf8[i + 1]) <= 0x9f;
}

std::string clean_utf8(const std::string& text) {
  std::string out;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = byte(i);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool is_valid = n > 0 && i + n <= text.size() && !(n == 2 && c < 0xc2);
    for (std::size_t k = 1; is_valid && k < n; ++k) is_valid = (byte(i + k) & 0xc0) == 0x80;
    if (is_valid && n == 3) {  // no overlong forms, no surrogates, no U+FFFE or U+FFFF (not XML)
      const unsigned c1 = byte(i + 1), c2 = byte(i + 2);
      is_valid = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0) &&
                 !(c == 0xef && c1 == 0xbf && c2 >= 0xbe);
    }
    if (is_valid && n == 4) {
      const unsigned c1 = byte(i + 1);
      is_valid = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90) && c <= 0xf4;
    }
    if (is_valid) {
      out.append(text, i, n);
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

std::string printable(const std::string& text, bool is_keeping_newlines) {
  std::string out;
  const std::string valid = clean_utf8(text);
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto u = static_cast<unsigned char>(valid[i]);
    if (u == '\n' && is_keeping_newlines) {
      out += '\n';
    } else if (u < 0x20 || u == 0x7f) {  // C0 and DEL: ^@ to ^_, ^?
      out += '^';
      out += static_cast<char>(u == 0x7f ? '?' : u + 0x40);
    } else if (is_c1(valid, i)) {  // U+0080 to U+009F: M-^@ to M-^_, as cat -v shows them
      out += "M-^";
      out += static_cast<char>(static_cast<unsigned char>(valid[++i]) - 0x40);
    } else {
      out += valid[i];
    }
  }
  return out;
}

std::string focus_name(const report& r) {
  if (r.focus.empty()) return "no runs";
  if (r.focus.size() == 1) return "run " + std::to_string(r.focus.front());
  bool is_range = true;
  for (std::size_t i = 1; i < r.focus.size(); ++i) is_range &= r.focus[i] == r.focus[i - 1] + 1;
  if (is_range)
    return "runs " + std::to_string(r.focus.front()) + " to " + std::to_string(r.focus.back());
  std::string out = "runs ";
  for (std::size_t i = 0; i < r.focus.size(); ++i)
    out += (i ? ", " : "") + std::to_string(r.focus[i]);
  return out;
}

}  // namespace taskhub_report
