// SPDX-License-Identifier: MIT
// Part of taskhub.
// The shared-reference workload (a DNA-like reference many tasks read).
#include "share.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <string>
#include <taskhub/taskhub.hpp>
#include <vector>

namespace taskhub_bench {
namespace {

using reference = std::vector<std::uint8_t>;
constexpr std::size_t reference_bytes = std::size_t(64) << 20;
constexpr std::size_t slice_bytes = 4096;

// The checksum of a 4 KiB slice, of the engine's decoded copy or, through a view, of the node's
// one copy where it lies.
template <class Ref>
std::uint64_t checksum_of(const Ref& ref, std::uint64_t at) {
  at %= ref.size() - slice_bytes;
  std::uint64_t h = 14695981039346656037ull;
  for (std::size_t i = at; i < at + slice_bytes; ++i) h = (h ^ ref[i]) * 1099511628211ull;
  return h;
}
std::uint64_t slice_checksum(const reference& ref, std::uint64_t at) { return checksum_of(ref, at); }
std::uint64_t slice_checksum_in_place(taskhub::array_view<std::uint8_t> ref, std::uint64_t at) {
  return checksum_of(ref, at);
}

// Rank 0's peak RSS since the last reset, in MiB; the reset makes the peak start from now.
double peak_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, 6, "VmHWM:") == 0) return std::stod(line.substr(6)) / 1024;
  return 0;
}
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }
// An engine's private memory now (RssAnon), in MiB: what it holds of its own, not counting the
// node memory it maps.
double engine_private_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, 8, "RssAnon:") == 0) return std::stod(line.substr(8)) / 1024;
  return 0;
}

struct row {
  const char* name = "";
  int tasks = 0;
  double bytes_sent = 0, seconds = 0, peak = 0, saved = 0, on_node = 0, engines_private = 0;
};

// Runs `tasks` tasks, `window` at most in flight, each given `arg` (the reference or its handle);
// checks each checksum against `ref`.
template <auto Fn, class Arg>
row measure(taskhub::hub& hub, const char* name, const reference& ref, int tasks,
            std::size_t window, const Arg& arg, const std::chrono::steady_clock::time_point start,
            const taskhub::traffic_report& before) {
  std::deque<std::pair<int, taskhub::future<std::uint64_t>>> flight;
  std::size_t wrong = 0;
  auto collect = [&] {
    auto& [i, f] = flight.front();
    if (f.get() != slice_checksum(ref, static_cast<std::uint64_t>(i) * 7919)) ++wrong;
    flight.pop_front();
  };
  for (int i = 0; i < tasks; ++i) {
    if (flight.size() >= window) collect();
    flight.emplace_back(i, hub.apply<Fn>(arg, static_cast<std::uint64_t>(i) * 7919));
  }
  while (!flight.empty()) collect();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto after = hub.traffic();
  if (wrong) std::fprintf(stderr, "taskhub-bench: %zu wrong checksums in %s\n", wrong, name);
  row r;
  r.name = name;
  r.tasks = tasks;
  r.bytes_sent = static_cast<double>(after.hub.bytes_sent - before.hub.bytes_sent);
  r.saved = static_cast<double>(after.object_bytes_saved - before.object_bytes_saved);
  r.on_node = static_cast<double>(after.object_bytes_on_node - before.object_bytes_on_node);
  for (double p : hub.all().apply<&engine_private_mib>().get()) r.engines_private += p;
  r.seconds = seconds;
  r.peak = peak_mib();
  return r;
}

std::uint64_t block_size(const reference& block) { return block.size(); }

// A 2 MiB block to every engine, `reps` times: pushed by name, and shared, then read by one task
// per engine. Both encode it once and send it once per engine, as an object.
std::string measure_push(taskhub::hub& hub, int reps) {
  const reference block(std::size_t(2) << 20, 'A');
  double seconds[2] = {0, 0}, sent[2] = {0, 0};
  for (int how = 0; how < 2; ++how) {
    const auto before = hub.traffic();
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
      if (how == 0) {
        hub.all().push("block", block).wait();
      } else {
        const auto h = hub.share(block);
        hub.all().apply<&block_size>(h).get();
      }
    }
    seconds[how] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sent[how] = static_cast<double>(hub.traffic().hub.bytes_sent - before.hub.bytes_sent);
  }
  hub.all().clear("block").wait();
  char line[256];
  std::snprintf(line, sizeof line,
                "\n| a 2 MiB block to all %zu engines, %d times | rank 0 sent "
                "per push (MiB) | ms per push |\n|---|---:|---:|\n",
                hub.engines().size(), reps);
  std::string table = line;
  const char* names[2] = {"push (to each engine's store)", "share + one task each"};
  for (int how = 0; how < 2; ++how) {
    std::snprintf(line, sizeof line, "| %s | %.2f | %.2f |\n", names[how],
                  sent[how] / reps / (1 << 20), 1e3 * seconds[how] / reps);
    table += line;
  }
  // A small value, which goes in the tasks (below the cache threshold), for comparison.
  const reference small(1024, 'B');
  const int small_reps = 10 * reps;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < small_reps; ++r) hub.all().push("small", small).wait();
  const double small_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  hub.all().clear("small").wait();
  std::snprintf(line, sizeof line, "\na 1 KiB value pushed to all %zu engines, %d times: %.3f ms "
                "per push\n", hub.engines().size(), small_reps, 1e3 * small_s / small_reps);
  return table + line;
}

reference make_reference() {
  reference ref(reference_bytes);
  std::uint64_t x = 88172645463325252ull;
  for (auto& b : ref) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = "ACGT"[x & 3];
  }
  return ref;
}

}  // namespace

int run_share_bench(int argc, char** argv, int tasks, int passed) {
  std::vector<row> rows;
  std::string push_table;
  int engines = 0;
  const reference ref = make_reference();
  // With the caching off, the reference travels whole with every task.
  std::vector<char*> uncached(argv, argv + argc);
  std::string off = "--taskhub-cache-threshold=0";
  uncached.push_back(off.data());
  uncached.push_back(nullptr);
  for (int variant = 0; variant < 5; ++variant) {
    char** args = variant == 3 ? uncached.data() : argv;
    const int n = variant == 3 ? argc + 1 : argc;
    const int code = taskhub::run(n, args, [&](taskhub::hub& hub) {
      engines = static_cast<int>(hub.engines().size());
      reset_peak();
      const auto before = hub.traffic();
      const auto start = std::chrono::steady_clock::now();
      if (variant == 0) {
        const auto shared_ref = hub.share(ref);
        rows.push_back(
            measure<&slice_checksum>(hub, "share", ref, tasks, 1024, shared_ref, start, before));
      } else if (variant == 1) {
        const auto shared_ref = hub.share(ref);
        rows.push_back(measure<&slice_checksum_in_place>(hub, "share, read through a view", ref,
                                                         tasks, 1024, shared_ref, start, before));
      } else if (variant == 4) {
        push_table = measure_push(hub, 20);
      } else {
        const std::size_t window = 2 * hub.engines().size();
        rows.push_back(
            measure<&slice_checksum>(hub, variant == 2 ? "passed, cached" : "passed, not cached",
                                     ref, passed, window, ref, start, before));
      }
    });
    if (code != 0) return code;
  }
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) return 0;
  std::printf(
      "taskhub-bench --share: a 64 MiB reference, tasks that each read a 4 KiB slice, "
      "%d engines\n\n",
      engines);
  std::printf(
      "| how the reference goes | tasks | rank 0 sent (MiB) | per task (KiB) | node copy "
      "(MiB) | not resent (MiB) | wall (s) | per task (ms) | rank 0 peak RSS (MiB) | "
      "engines' private memory at the end, summed (MiB) |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : rows)
    std::printf("| %s | %d | %.1f | %.1f | %.0f | %.0f | %.2f | %.3f | %.0f | %.0f |\n", r.name,
                r.tasks, r.bytes_sent / (1 << 20), r.bytes_sent / 1024 / r.tasks,
                r.on_node / (1 << 20), r.saved / (1 << 20), r.seconds, 1e3 * r.seconds / r.tasks,
                r.peak, r.engines_private);
  const row& s = rows[0];
  const row& p = rows[3];
  const double scale = static_cast<double>(s.tasks) / p.tasks;
  std::printf(
      "\nnot cached, scaled to %d tasks: %.0f MiB sent, %.1f s; share sends %.0fx fewer "
      "bytes and runs %.1fx faster\n",
      s.tasks, p.bytes_sent * scale / (1 << 20), p.seconds * scale,
      p.bytes_sent * scale / s.bytes_sent, p.seconds * scale / s.seconds);
  std::fputs(push_table.c_str(), stdout);
  return 0;
}

}  // namespace taskhub_bench
