// SPDX-License-Identifier: MIT
// Part of taskhub.
// The data DAG.
#include "dag_data.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <taskhub/taskhub.hpp>

namespace taskhub_bench {
namespace {

constexpr std::size_t block_doubles = (1u << 20) / sizeof(double);  // 1 MiB

std::vector<double> seed_block(int i) { return std::vector<double>(block_doubles, i); }
std::vector<double> mix(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out(a.size());
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = 0.5 * (a[k] + b[k]) + 1.0;
  return out;
}
double checksum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

struct dag_figures {
  double seconds = 0;
  double to_rank0_mib = 0, from_rank0_mib = 0;  // what the hub received and sent
  double forwarded_mib = 0, local_mib = 0, carried_mib = 0;
  double on_holder = 0;  // share of tasks with kept inputs placed on an engine keeping one
  bool is_correct = true;
};

// `layers` layers of `width` tasks, each taking the results of two tasks of the layer before; the
// last layer's checksums come to the client.
dag_figures run_dag(taskhub::hub& hub, int width, int layers, bool is_kept) {
  const double mib = 1 << 20;
  const auto before = hub.traffic();
  const auto start = std::chrono::steady_clock::now();
  auto view = hub.with(taskhub::task_options().keep_remote(is_kept));
  using block_future = taskhub::future<std::vector<double>>;
  std::vector<block_future> layer;
  for (int i = 0; i < width; ++i) layer.push_back(view.apply<&seed_block>(i));
  std::size_t placed = 0, near = 0;
  std::vector<block_future> all = layer;
  for (int l = 1; l < layers; ++l) {
    std::vector<block_future> next;
    for (int i = 0; i < width; ++i)
      next.push_back(view.apply<&mix>(layer[static_cast<std::size_t>(i)],
                                      layer[static_cast<std::size_t>((i + 1) % width)]));
    all.insert(all.end(), next.begin(), next.end());
    layer = std::move(next);
  }
  std::vector<taskhub::future<double>> sums;
  for (auto& f : layer) sums.push_back(hub.apply<&checksum>(f));
  dag_figures d;
  double total = 0;
  for (auto& s : sums) total += s.get();
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Each mix adds 1 to the mean of two means: the mean of the last layer is known.
  double mean = 0;
  for (int i = 0; i < width; ++i) mean += i;
  mean = mean / width + (layers - 1);
  d.is_correct = std::abs(total / (static_cast<double>(width) * block_doubles) - mean) < 1e-6;
  // Placement: the tasks of layers past the first, against where their first parent ran.
  for (std::size_t k = static_cast<std::size_t>(width); k < all.size(); ++k) {
    const std::size_t l = k / static_cast<std::size_t>(width), i = k % static_cast<std::size_t>(width);
    const auto& a = all[(l - 1) * static_cast<std::size_t>(width) + i];
    const auto& b = all[(l - 1) * static_cast<std::size_t>(width) + (i + 1) % static_cast<std::size_t>(width)];
    ++placed;
    near += all[k].engine() == a.engine() || all[k].engine() == b.engine();
  }
  d.on_holder = placed ? static_cast<double>(near) / placed : 0;
  const auto after = hub.traffic();
  d.to_rank0_mib = (after.hub.bytes_received - before.hub.bytes_received) / mib;
  d.from_rank0_mib = (after.hub.bytes_sent - before.hub.bytes_sent) / mib;
  d.forwarded_mib = (after.results_forwarded - before.results_forwarded) / mib;
  d.local_mib = (after.results_local - before.results_local) / mib;
  d.carried_mib = (after.results_carried - before.results_carried) / mib;
  return d;
}

}  // namespace

int run_data_dag(int argc, char** argv, int reps, bool is_quick) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  struct mode {
    const char* name;
    bool is_kept;
    const char* locality;
  };
  const mode modes[] = {{"kept on engines, locality on", true, "--taskhub-locality=1"},
                        {"kept on engines, locality off", true, "--taskhub-locality=0"},
                        {"through rank 0 (not kept)", false, "--taskhub-locality=1"}};
  int code = 0;
  int engines = 0, width = 0;
  const int layers = is_quick ? 3 : 6;
  if (rank == 0)
    std::printf("| data DAG, 1 MiB results | time (s) | rank 0 received (MiB) | rank 0 sent (MiB) | "
                "engine to engine (MiB) | read where kept (MiB) | carried by the hub (MiB) | "
                "tasks next to an input |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& m : modes) {
    std::vector<char*> args(argv, argv + argc);
    std::string locality = m.locality;
    args.push_back(locality.data());
    std::vector<dag_figures> runs;
    for (int r = 0; r < reps && code == 0; ++r) {
      code = taskhub::run(static_cast<int>(args.size()), args.data(), [&](taskhub::hub& hub) {
        engines = static_cast<int>(hub.engines().size());
        width = (is_quick ? 2 : 4) * engines;
        runs.push_back(run_dag(hub, width, layers, m.is_kept));
      });
    }
    if (rank != 0 || runs.empty()) continue;
    std::sort(runs.begin(), runs.end(),
              [](const dag_figures& a, const dag_figures& b) { return a.seconds < b.seconds; });
    const dag_figures& d = runs[runs.size() / 2];
    std::printf("| %s%s | %.3f | %.2f | %.2f | %.1f | %.1f | %.1f | %.0f%% |\n", m.name,
                d.is_correct ? "" : " (WRONG SUMS)", d.seconds, d.to_rank0_mib, d.from_rank0_mib,
                d.forwarded_mib, d.local_mib, d.carried_mib, 100 * d.on_holder);
  }
  if (rank == 0)
    std::printf("\n%d engines; %d layers of %d tasks, each taking two results of the layer before "
                "(1 MiB each); the last layer's %d checksums come to the client; median of %d\n",
                engines, layers, width, width, reps);
  return code;
}

}  // namespace taskhub_bench
