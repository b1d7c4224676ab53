// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's watchdog.
#include "hub/watchdog.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace taskhub::detail {
namespace {

// Set by the signal handler, taken by the hub thread: nothing else happens in the handler.
std::atomic<bool> is_report_asked{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

struct sigaction previous_action;

extern "C" void ask_for_report(int) { is_report_asked.store(true, std::memory_order_relaxed); }

std::string seconds_text(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ns) / 1e9);
  return text;
}

}  // namespace

report_signal::report_signal() {
  struct sigaction now {};
  if (sigaction(SIGUSR1, nullptr, &now) != 0 || now.sa_handler != SIG_DFL) return;
  struct sigaction a {};
  a.sa_handler = ask_for_report;
  sigemptyset(&a.sa_mask);
  a.sa_flags = SA_RESTART;
  is_installed_ = sigaction(SIGUSR1, &a, &previous_action) == 0;
}

report_signal::~report_signal() {
  if (is_installed_) sigaction(SIGUSR1, &previous_action, nullptr);
}

watchdog::watchdog(config cfg) : cfg_(std::move(cfg)) {
  engines_.resize(cfg_.beats.size());
  silences_.resize(cfg_.beats.size());
  changed_ns_ = reported_ns_ = timers::now_ns();
  for (auto& e : engines_) e.process_moved_ns = e.turns_moved_ns = changed_ns_;
}

std::chrono::microseconds watchdog::until_due() const {
  if (cfg_.period.count() == 0) return std::chrono::microseconds::max();
  return std::chrono::microseconds(std::max<std::int64_t>(0, (next_check_ns_ - timers::now_ns()) / 1000));
}

wait_report watchdog::report(const task_flow& flow) const {
  return report_waits(flow, cfg_.hosts, silences_);
}

// Reads the engines' heartbeats: an engine is silent when its process has not beaten for a
// period, or, holding no task, its loop has not turned. Returns whether one fell silent just now.
bool watchdog::listen(const task_flow& flow, std::int64_t now) {
  bool is_new = false;
  const auto& slots = flow.engines().slots();
  const std::int64_t period = cfg_.period.count();
  for (std::size_t i = 0; i < engines_.size() && i < slots.size(); ++i) {
    heartbeat* b = cfg_.beats[i];
    if (!b || slots[i].is_retired || slots[i].is_stopped) continue;
    auto& e = engines_[i];
    if (const auto p = b->process.load(std::memory_order_relaxed); p != e.process) {
      e.process = p;
      e.process_moved_ns = now;
    }
    const auto turns = b->turns.load(std::memory_order_relaxed);
    if (turns != e.turns || slots[i].outstanding > 0) {  // a task may run without turning it
      e.turns = turns;
      e.turns_moved_ns = now;
    }
    std::string& silence = silences_[i];
    if (now - e.process_moved_ns >= period) {
      silence = "not answering for " + seconds_text(now - e.process_moved_ns) +
                ": its process does not run (stopped, or starved of processor time)";
    } else if (now - e.turns_moved_ns >= period) {
      silence = "not answering for " + seconds_text(now - e.turns_moved_ns) +
                ": it holds no task and its loop has not turned (hung outside a task)";
    } else {
      silence.clear();
    }
    is_new = is_new || (!silence.empty() && !e.is_silent);
    e.is_silent = !silence.empty();
  }
  return is_new;
}

void watchdog::check(const task_flow& flow) {
  const bool is_asked = is_report_asked.load(std::memory_order_relaxed) &&
                        is_report_asked.exchange(false);
  if (!is_asked && cfg_.period.count() == 0) return;
  const std::int64_t now = timers::now_ns();
  if (!is_asked && now < next_check_ns_) return;
  const std::int64_t period = cfg_.period.count();
  // Four looks a period, at most one a second, at least a hundredth of a second apart.
  next_check_ns_ = now + std::clamp<std::int64_t>(period / 4, 10'000'000, 1'000'000'000);
  if (flow.changes() != changes_) {
    changes_ = flow.changes();
    changed_ns_ = now;
  }
  const bool has_new_silence = period > 0 && listen(flow, now);
  const bool is_stuck =
      period > 0 && now - changed_ns_ >= period && now - reported_ns_ >= period;
  if (!is_asked && !is_stuck && !has_new_silence) return;
  reported_ns_ = now;
  const wait_report r = report(flow);
  if (!is_asked && !has_new_silence && r.unfinished == 0) return;  // an idle run waits for nothing
  print(is_asked          ? std::string("asked by SIGUSR1")
        : has_new_silence ? std::string("an engine stopped answering")
                          : "no task started or finished for " + seconds_text(now - changed_ns_),
        r);
}

void watchdog::print(const std::string& why, const wait_report& r) const {
  std::string out = "taskhub: what the run waits for (" + why + "):\n";
  for (std::size_t at = 0; at < r.text.size();) {
    const auto nl = r.text.find('\n', at);
    out += "taskhub: " + r.text.substr(at, nl - at) + "\n";
    at = nl == std::string::npos ? r.text.size() : nl + 1;
  }
  const std::string part = cfg_.dot_path + ".part";
  std::FILE* f = std::fopen(part.c_str(), "w");
  bool is_written = f && std::fwrite(r.dot.data(), 1, r.dot.size(), f) == r.dot.size();
  if (f) is_written = std::fclose(f) == 0 && is_written;
  is_written = is_written && std::rename(part.c_str(), cfg_.dot_path.c_str()) == 0;
  if (is_written) {
    out += "taskhub: wrote the graph of unfinished tasks to " + cfg_.dot_path + "\n";
  } else {
    out += "taskhub: could not write the graph of unfinished tasks to " + cfg_.dot_path + ": " +
           std::strerror(errno) + "\n";
    std::remove(part.c_str());
  }
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace taskhub::detail
