// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-model: the root's load and throughput of flat and tree hubs at 1,000 to 100,000
// engines, from the costs taskhub-calibrate measures (doc/performance.md).
//
//   taskhub-model                      the table of predictions
//   taskhub-model --engines=29 --fanout=8 --direct=8 --task-us=1000 --refill=engine
//   taskhub-model --check              the model's invariants, exit status 1 if one fails

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "prediction.hpp"

namespace {

using namespace taskhub_model;

const char usage[] =
    "usage: taskhub-model [--check] [point] [costs]\n"
    "Predicts the root's load and throughput of flat and tree hubs (doc/performance.md).\n"
    "Without a point: a table for 1,000, 10,000 and 100,000 engines and tasks of 1, 10, 100 ms.\n"
    "  --check           check the model's invariants; exit status 1 names the first that fails\n"
    "A point: --engines=N [--task-us=D (0: tiny)] [--fanout=K (0: flat)] [--levels=L]\n"
    "  [--direct=E (engines the root serves itself)] [--hwm=H] [--refill=group|engine]\n"
    "  [--delegated=1 (sub-hubs place tasks)] [--window-us=W] [--demand=TASKS_PER_S]\n"
    "Costs (defaults: this machine's calibration, doc/performance.md): --task-cost-us\n"
    "  --slot-ns-1k --slot-ns-10k --slot-ns-100k --msg-us --part-ns --byte-ns --hop-us --pass-us\n"
    "  --flush-us --bytes-per-task\n";

// The value of --NAME=V as a number, or `fallback`; exits on a value that is not one.
double number(int argc, char** argv, const char* name, double fallback) {
  const std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) != 0) continue;
    char* end = nullptr;
    const double v = std::strtod(argv[i] + prefix.size(), &end);
    if (end == argv[i] + prefix.size() || *end != '\0' || v < 0) {
      std::fprintf(stderr, "taskhub-model: %s: wanted a number of at least 0\n", argv[i]);
      std::exit(2);
    }
    return v;
  }
  return fallback;
}

bool has(int argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], flag) || !std::strncmp(argv[i], (std::string(flag) + "=").c_str(),
                                                     std::strlen(flag) + 1))
      return true;
  return false;
}

std::string describe(const layout& l) {
  if (l.fanout == 0 || l.engines <= l.fanout) return "flat";
  std::string s = "tree K=" + std::to_string(l.fanout) + " L=" + std::to_string(l.levels);
  if (l.delegated) s += ", placed below";
  if (l.window_us > 0) s += ", window " + std::to_string(static_cast<int>(l.window_us)) + " us";
  return s;
}

// `x` to three significant digits, with thousands separated: 426,000.
std::string rounded(double x) {
  if (x < 1) return "0";
  const double unit = std::pow(10.0, std::floor(std::log10(x)) - 2);
  std::string digits = std::to_string(static_cast<long long>(std::llround(x / unit) * unit));
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<std::size_t>(at), ",");
  return digits;
}

void print_row(long engines, double task_ms, const layout& l, const prediction& p) {
  std::printf("| %ld | %g | %s | %.1f | %.0f%% | %s | %.0f%% | %.0f%% | %.0f | %s |\n", engines,
              task_ms, describe(l).c_str(), p.root_messages, 100 * p.root_busy, rounded(p.tasks_per_s).c_str(),
              100 * p.efficiency, 100 * p.sub_hub_busy, p.latency_us, p.limit.c_str());
}

void print_table(const costs& c, const layout& base) {
  std::printf("| engines | task ms | layout | root messages / 1,000 tasks | root busy | tasks/s | "
              "efficiency | busiest sub-hub | latency added (us) | bound by |\n"
              "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
  for (long n : {1000L, 10000L, 100000L}) {
    for (double ms : {1.0, 10.0, 100.0}) {
      layout flat = base;
      flat.engines = n;
      flat.fanout = 0;
      print_row(n, ms, flat, predict(c, flat, ms * 1000));
      const layout tree = best_tree(c, flat, ms * 1000);
      print_row(n, ms, tree, predict(c, tree, ms * 1000));
      layout below = flat;
      below.delegated = true;
      below.window_us = 200;
      below = best_tree(c, below, ms * 1000);
      print_row(n, ms, below, predict(c, below, ms * 1000));
    }
  }
}

// The model's invariants; returns the first that fails, or "".
std::string check(const costs& c) {
  layout flat;
  flat.fanout = 0;
  double last = 0;
  for (long n : {16L, 64L, 256L, 1000L}) {  // flat: the root's messages grow with the engines
    flat.engines = n;
    const prediction p = predict(c, flat, 10000);
    const double per_s = p.root_messages * p.tasks_per_s / 1000;
    if (!(per_s > last)) return "flat root messages per second do not grow with engines at " + std::to_string(n);
    last = per_s;
  }
  for (long n : {16L, 64L, 1000L, 10000L, 100000L}) {
    for (double us : {0.0, 1000.0, 10000.0, 100000.0}) {
      flat.engines = n;
      layout tree = flat;
      tree.fanout = 8;
      const prediction f = predict(c, flat, us), t = predict(c, tree, us);
      const std::string at = " at " + std::to_string(n) + " engines, tasks of " +
                             std::to_string(static_cast<int>(us)) + " us";
      if (!(t.root_messages < f.root_messages)) return "a tree of fan-out 8 sends the root no fewer messages than flat" + at;
      for (const prediction& p : {f, t}) {
        if (us > 0 && p.tasks_per_s > 1.0001 * static_cast<double>(n) / (us * 1e-6)) return "more tasks per second than the engines run" + at;
        if (p.tasks_per_s > 1.0001e6 / c.task_us) return "more tasks per second than the root's bookkeeping allows" + at;
        if (p.root_busy > 1 || p.sub_hub_busy > 1 || p.efficiency > 1.0001) return "a busy fraction or efficiency above 1" + at;
        if (p.tasks_per_s <= 0) return "no throughput" + at;
      }
      if (us > 0 && !(predict(c, best_tree(c, flat, us), us).tasks_per_s >= 0.995 * f.tasks_per_s))
        return "the chosen tree is slower than flat" + at;
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (has(argc, argv, "--help")) {
    std::fputs(usage, stdout);
    return 0;
  }
  if (has(argc, argv, "--version")) {
    std::printf("taskhub-model %s\n", TASKHUB_VERSION);
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    static const char* known[] = {"--check", "--engines=", "--task-us=", "--fanout=", "--levels=",
                                  "--direct=", "--hwm=", "--refill=", "--delegated=", "--window-us=",
                                  "--demand=", "--task-cost-us=", "--slot-ns-1k=", "--slot-ns-10k=", "--slot-ns-100k=", "--msg-us=",
                                  "--part-ns=", "--byte-ns=", "--hop-us=", "--pass-us=",
                                  "--flush-us=", "--bytes-per-task="};
    bool is_known = false;
    for (const char* k : known) is_known = is_known || !std::strncmp(argv[i], k, std::strlen(k));
    if (!is_known) {
      std::fprintf(stderr, "taskhub-model: %s: unknown option (taskhub-model --help lists them)\n", argv[i]);
      return 2;
    }
  }
  costs c;
  c.task_us = number(argc, argv, "task-cost-us", c.task_us);
  c.slot_ns_1k = number(argc, argv, "slot-ns-1k", c.slot_ns_1k);
  c.slot_ns_10k = number(argc, argv, "slot-ns-10k", c.slot_ns_10k);
  c.slot_ns_100k = number(argc, argv, "slot-ns-100k", c.slot_ns_100k);
  c.msg_us = number(argc, argv, "msg-us", c.msg_us);
  c.part_ns = number(argc, argv, "part-ns", c.part_ns);
  c.byte_ns = number(argc, argv, "byte-ns", c.byte_ns);
  c.hop_us = number(argc, argv, "hop-us", c.hop_us);
  c.pass_us = number(argc, argv, "pass-us", c.pass_us);
  c.flush_us = number(argc, argv, "flush-us", c.flush_us);
  c.bytes_per_task = number(argc, argv, "bytes-per-task", c.bytes_per_task);
  if (c.task_us <= 0) {
    std::fprintf(stderr, "taskhub-model: --task-cost-us must be above 0\n");
    return 2;
  }
  if (has(argc, argv, "--check")) {
    const std::string failed = check(c);
    if (!failed.empty()) {
      std::printf("taskhub-model: invariant failed: %s\n", failed.c_str());
      return 1;
    }
    std::printf("taskhub-model: invariants hold\n");
    return 0;
  }
  layout l;
  l.hwm = static_cast<int>(number(argc, argv, "hwm", l.hwm));
  l.window_us = number(argc, argv, "window-us", 0);
  l.delegated = number(argc, argv, "delegated", 0) != 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--refill=engine")) l.group_refill = false;
    else if (!std::strncmp(argv[i], "--refill=", 9) && std::strcmp(argv[i], "--refill=group")) {
      std::fprintf(stderr, "taskhub-model: %s: wanted group or engine\n", argv[i]);
      return 2;
    }
  }
  if (!has(argc, argv, "--engines")) {
    print_table(c, l);
    return 0;
  }
  l.engines = static_cast<long>(number(argc, argv, "engines", 1000));
  l.fanout = static_cast<int>(number(argc, argv, "fanout", 0));
  l.levels = std::max(1, static_cast<int>(number(argc, argv, "levels", 1)));
  l.direct = static_cast<long>(number(argc, argv, "direct", 0));
  if (l.engines < 1) {
    std::fprintf(stderr, "taskhub-model: --engines must be at least 1\n");
    return 2;
  }
  const double task_us = number(argc, argv, "task-us", 0);
  const prediction p = predict(c, l, task_us, number(argc, argv, "demand", 0));
  std::printf("| engines | task ms | layout | root messages / 1,000 tasks | root busy | tasks/s | "
              "efficiency | busiest sub-hub | latency added (us) | bound by |\n"
              "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
  print_row(l.engines, task_us / 1000, l, p);
  return 0;
}
