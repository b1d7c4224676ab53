// SPDX-License-Identifier: MIT
// Part of taskhub.
// The scaling benchmark's jobs, table and plot.
#include "scale.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>

#include "child_process.hpp"
#include "plot.hpp"
#include "scale_point.hpp"

namespace taskhub_bench {
namespace {

struct job {
  int ranks = 0;
  bool is_tree = false;
  std::string failure;  // empty: `figures` holds what it measured
  std::string after;    // not empty: how the job failed after it printed its figures
  scale_figures figures;
  double seconds = 0;
};

std::string metg_text(const metg_sweep& m) {
  char text[64];
  if (m.ms == 0) return "none up to 256";
  std::snprintf(text, sizeof text, "%s%.3g", m.is_at_floor ? "at most " : "", m.ms);
  return text;
}

}  // namespace

int run_scale(const scale_settings& s, const std::string& self) {
  std::string mpirun = s.mpirun;
  if (mpirun.empty()) mpirun = find_on_path("mpirun");
  if (mpirun.empty()) mpirun = find_on_path("mpiexec");
  if (mpirun.empty()) {
    std::fprintf(stderr, "taskhub-bench: no mpirun or mpiexec on PATH (give one with --mpirun=PATH)\n");
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> env{{"TASKHUB_LANES", "0"}};
  if (s.mpirun.empty()) {
    env.emplace_back("OMPI_MCA_rmaps_base_oversubscribe", "1");
    env.emplace_back("OMPI_MCA_hwloc_base_binding_policy", "none");
    if (::geteuid() == 0) {
      env.emplace_back("OMPI_ALLOW_RUN_AS_ROOT", "1");
      env.emplace_back("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    }
  }

  std::vector<job> jobs;
  bool is_all_done = true;
  for (int ranks : s.sizes) {
    for (bool is_tree : {false, true}) {
      job j;
      j.ranks = ranks;
      j.is_tree = is_tree;
      std::vector<std::string> argv{mpirun, "-n", std::to_string(ranks), self, "--scale-point=1",
                                    "--quick=" + std::to_string(s.is_quick ? 1 : 0),
                                    "--reps=" + std::to_string(s.reps)};
      argv.insert(argv.end(), s.passed_on.begin(), s.passed_on.end());
      argv.push_back("--taskhub-node-size=" + std::to_string(s.node_size));
      argv.push_back("--taskhub-fanout=" + std::to_string(is_tree ? s.fanout : 0));
      std::fprintf(stderr, "taskhub-bench: %d ranks, %s ...", ranks, is_tree ? "tree" : "flat");
      std::fflush(stderr);
      const auto t0 = std::chrono::steady_clock::now();
      const child_result r = run_child(argv, env, s.timeout);
      j.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      char why[128];
      const bool has_figures = r.has_started && from_line(r.output, j.figures);
      if (!r.has_started) j.failure = "did not start: " + r.output;
      else if (r.is_timed_out) std::snprintf(why, sizeof why, "timed out after %.0f s", s.timeout), j.failure = why;
      else if (r.exit_code != 0 && has_figures) std::snprintf(why, sizeof why, "exit %d", r.exit_code), j.after = why;
      else if (r.exit_code != 0) std::snprintf(why, sizeof why, "failed (exit %d)", r.exit_code), j.failure = why;
      else if (!has_figures) j.failure = "printed no figures";
      std::fprintf(stderr, " %s (%.0f s)\n",
                   !j.failure.empty() ? j.failure.c_str()
                   : j.after.empty()  ? "done"
                                      : ("measured, then failed: " + j.after).c_str(),
                   j.seconds);
      is_all_done &= j.failure.empty() && j.after.empty();
      jobs.push_back(std::move(j));
    }
  }

  std::printf("taskhub-bench --scale: lanes off (TASKHUB_LANES=0), simulated nodes of %d ranks; "
              "tree: --taskhub-fanout=%d; %s; raw MPI on every rank but 0\n\n",
              s.node_size, s.fanout, s.is_quick ? "quick (small workloads)" : "W1 20,000 tasks, W3 400");
  std::printf("| ranks | layout | engines | W1 (tasks/s) | W1 taskhub/raw | W3 efficiency | root messages "
              "per 1,000 W1 tasks, sent / received | METG (ms) | METG raw MPI (ms) |\n"
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& j : jobs) {
    char layout[96];
    if (!j.is_tree) std::snprintf(layout, sizeof layout, "flat");
    else if (!j.failure.empty()) std::snprintf(layout, sizeof layout, "tree");
    else {
      const int sub_hubs = j.ranks - 1 - j.figures.engines;
      if (sub_hubs) std::snprintf(layout, sizeof layout, "tree, %d sub-hub%s", sub_hubs, sub_hubs > 1 ? "s" : "");
      else std::snprintf(layout, sizeof layout, "tree, no sub-hub (flat)");
    }
    if (!j.failure.empty()) {
      std::printf("| %d | %s | %s | | | | | | |\n", j.ranks, layout, j.failure.c_str());
      continue;
    }
    const auto& f = j.figures;
    if (!j.after.empty()) std::snprintf(layout + std::strlen(layout), sizeof layout - std::strlen(layout),
                                        " (then failed: %s)", j.after.c_str());
    std::printf("| %d | %s | %d | %.0f | %.2f | %.1f%% | %.1f / %.1f | %s | %s |\n", j.ranks, layout,
                f.engines, f.w1, f.raw_w1 > 0 ? f.w1 / f.raw_w1 : 0, 100 * f.w3, f.w1_sent, f.w1_received,
                metg_text(f.metg).c_str(), metg_text(f.raw_metg).c_str());
  }
  std::printf("\nMETG sweeps (task ms: efficiency, in the order tried):\n");
  for (const auto& j : jobs) {
    if (!j.failure.empty()) continue;
    std::printf("- %d ranks, %s:", j.ranks, j.is_tree ? "tree" : "flat");
    for (const auto& p : j.figures.metg.points) std::printf(" %.3g: %.0f%%", p.ms, 100 * p.efficiency);
    std::printf("; raw MPI in the same job:");
    for (const auto& p : j.figures.raw_metg.points) std::printf(" %.3g: %.0f%%", p.ms, 100 * p.efficiency);
    std::printf("\n");
  }

  if (!s.plot.empty()) {
    plot_series flat{"flat", "#1f77b4", {}}, tree{"tree, fan-out " + std::to_string(s.fanout), "#d62728", {}};
    for (const auto& j : jobs)
      if (j.failure.empty())
        (j.is_tree ? tree : flat).points.emplace_back(j.figures.engines, j.figures.w1_sent);
    const std::string svg = line_chart(
        {flat, tree}, {"Root messages sent per 1,000 tasks of W1 (lanes off, nodes of " +
                           std::to_string(s.node_size) + " ranks)",
                       "engines", "root messages sent per 1,000 tasks"});
    std::ofstream out(s.plot, std::ios::binary);
    out << svg;
    if (!out) {
      std::fprintf(stderr, "taskhub-bench: cannot write %s\n", s.plot.c_str());
      return 2;
    }
  }
  return is_all_done ? 0 : 1;
}

}  // namespace taskhub_bench
