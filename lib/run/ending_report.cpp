// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "run/ending_report.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>

#include <signal.h>

#include "hub/hub_core.hpp"

namespace taskhub::detail {
namespace {

enum class presence { alive, gone, unknown };

presence presence_of(const engine_place& p, const std::string& this_host) {
  if (p.pid <= 0 || p.host != this_host) return presence::unknown;
  if (kill(static_cast<pid_t>(p.pid), 0) == 0 || errno == EPERM) return presence::alive;
  return presence::gone;
}

std::string seconds_since(std::chrono::system_clock::time_point t) {
  const double s = std::chrono::duration<double>(std::chrono::system_clock::now() - t).count();
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", s < 0 ? 0.0 : s);
  return text;
}

// "running task 17 (f) for 2.0 s, 3 more queued", or "running nothing".
std::string what_it_ran(const hub_core& core, const engine_slot& slot) {
  std::string running;
  int queued = 0;
  for (const auto& sent : slot.sent) {
    const auto t = core.find(sent.id);
    if (!t) continue;
    const auto r = core.record_of(*t);
    if (r.state == taskhub::task_state::running && running.empty())
      running = "task " + std::to_string(r.id) + " (" + r.function + ")" +
                (r.started.time_since_epoch().count() != 0 ? " for " + seconds_since(r.started)
                                                           : std::string());
    else if (r.state == taskhub::task_state::queued || r.state == taskhub::task_state::running)
      ++queued;
  }
  std::string s = running.empty() ? "running no task" : "running " + running;
  if (queued > 0) s += ", with " + std::to_string(queued) + " more sent to it";
  return s;
}

}  // namespace

std::vector<std::string> ending_report(const hub_core& core, const std::vector<engine_place>& places,
                                       const std::string& this_host) {
  std::vector<std::string> gone, unknown;
  for (const auto& slot : core.slots()) {
    engine_place p;
    p.rank = slot.rank;
    for (const auto& q : places)
      if (q.rank == slot.rank) p = q;
    const std::string who = "engine " + std::to_string(p.rank) + " (pid " + std::to_string(p.pid) +
                            " on " + (p.host.empty() ? "?" : p.host) + ")";
    switch (presence_of(p, this_host)) {
      case presence::gone:
        gone.push_back(who + " is gone; it was " + what_it_ran(core, slot));
        break;
      case presence::unknown:
        unknown.push_back(who + " was " + what_it_ran(core, slot));
        break;
      case presence::alive:
        break;
    }
  }
  std::vector<std::string> lines;
  lines.push_back(gone.empty()
                      ? "the run was ended by SIGTERM from outside (a launcher ends every rank when "
                        "one dies, and on scancel or a time limit)"
                      : "the run was ended by SIGTERM: an engine died, and the launcher ends every "
                        "rank when one dies");
  for (auto& l : gone) lines.push_back(std::move(l));
  for (auto& l : unknown) lines.push_back(std::move(l));
  return lines;
}

}  // namespace taskhub::detail
