// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-bench: the standard workloads through taskhub beside a raw-MPI master/worker doing the
// same work in the same run, with the same number of tasks in flight per worker.
//
//   mpirun -n 3 taskhub-bench [--hwm=N] [--reps=N] [--schemes=1] [--taskhub-isolate=all]
//   mpirun -n 3 taskhub-bench --campaign=1000000 [--max-outstanding=10000]
//   mpirun -n 3 taskhub-bench --share=10000 [--share-passed=40]
//   taskhub-bench --scale[=8,16,32,64,128] [--fanout=8] [--node-size=8] [--plot=scale.svg]
//
// taskhub's own flags apply to its runs: with --taskhub-isolate=all every task runs in its
// engine's runner process, and the table shows what isolation costs.

#include <taskhub/taskhub.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "../common/parse.hpp"
#include "../common/terminal.hpp"
#include "campaign.hpp"
#include "dag_data.hpp"
#include "raw_mpi.hpp"
#include "scale.hpp"
#include "share.hpp"
#include "scale_point.hpp"
#include "work.hpp"
#include "workloads.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using namespace taskhub_bench;

std::int64_t tiny(std::int64_t x) { return tiny_work(x); }
std::uint64_t bytes_sum(const std::vector<char>& data) { return bytes_work(data.data(), data.size()); }

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct figures {
  double w1 = 0;
  latency w2{0, 0};
  double w3 = 0, w4 = 0;
  double dag = 0;
  double map = 0;
  double w1_sent = 0, w1_received = 0;  // the hub's messages per 1,000 tasks of W1
  int engines = 0;                      // taskhub's (ranks that relay as sub-hubs run no task)
};

// A random DAG of tiny tasks: each takes up to three parents among the 1,000 before it.
double dag_rate(taskhub::hub& hub, int tasks) {
  std::mt19937 rng(42);
  const auto t0 = clock_type::now();
  std::vector<taskhub::future<std::int64_t>> fs;
  fs.reserve(static_cast<std::size_t>(tasks));
  std::vector<std::uint64_t> parents;
  for (int i = 0; i < tasks; ++i) {
    parents.clear();
    const int n = i == 0 ? 0 : static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      const int lo = std::max(0, i - 1000);
      parents.push_back(fs[static_cast<std::size_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(i - lo)))].id());
    }
    if (parents.empty()) {
      fs.push_back(hub.apply<&tiny>(i));
    } else {
      fs.push_back(hub.with(taskhub::task_options().after(taskhub::dependency(parents))).apply<&tiny>(i));
    }
  }
  std::int64_t sum = 0;
  for (auto& f : fs) sum += f.get();
  const double rate = tasks / seconds_since(t0);
  if (sum != static_cast<std::int64_t>(tasks) * (tasks - 1) + tasks) std::fprintf(stderr, "DAG: wrong sum\n");
  return rate;
}

const char usage[] =
    "usage: mpirun -n RANKS taskhub-bench [options] [--taskhub-... flags]\n"
    "The standard workloads through taskhub beside a raw-MPI master/worker doing the same work in\n"
    "the same run (RANKS at least 2: rank 0 is the hub or master, the others engines or workers).\n"
    "  W1 20,000 tiny tasks (tasks/s)      W2 2,000 round trips of one task (median us)\n"
    "  W3 400 uneven tasks (efficiency)    W4 200 tasks of 1 MiB each way (MiB/s)\n"
    "  --hwm=N        tasks in flight per engine or worker, 0 to 1000000 (default 16; 0: 64 for\n"
    "                 the raw workers and no limit for taskhub)\n"
    "  --reps=N       repetitions, 1 to 1000 (default 5); each figure is a median\n"
    "  --schemes=1    also compare the scheduling schemes on W3\n"
    "  --campaign=N   instead, run N tiny tasks as one imap and print rank 0's peak memory\n"
    "  --max-outstanding=N  the campaign's tasks in flight, 1 to 10000000 (default 10000)\n"
    "  --dag-data=1   layers of tasks passing 1 MiB results to the next (futures as arguments):\n"
    "                 kept on engines with locality on and off, and through rank 0; time and\n"
    "                 bytes moved (--reps=N runs each, --quick=1 fewer layers)\n"
    "  --share=N      instead, N tasks over a 64 MiB reference taken through hub.share, then\n"
    "                 --share-passed=N (default 40) tasks that take it as an argument, cached\n"
    "                 and not: bytes rank 0 sent, wall time, rank 0's peak memory\n"
    "The scaling benchmark, run without mpirun: it starts one MPI job per size and layout.\n"
    "  --scale[=N,N,...]  W1 (and raw MPI's), W3, the root's messages per 1,000 tasks of W1\n"
    "                 and METG (the shortest sleeping task still 50% efficient) at these numbers\n"
    "                 of ranks, 2 to 4096 (default 8,16,32,64,128), flat and through a tree,\n"
    "                 lanes off (TASKHUB_LANES=0)\n"
    "  --fanout=K     the tree's --taskhub-fanout, 1 to 1000000 (default 8)\n"
    "  --node-size=M  simulated nodes of M ranks in every job, 1 to 1000000 (default 8)\n"
    "  --plot=FILE    write the root's messages against the engines there as SVG\n"
    "  --timeout=T    give up on a job after T (default 300 s; 90, 90s, 1.5m, 1:30 or 2h)\n"
    "  --quick=1      small workloads (a check that it works, not a measurement)\n"
    "  --reps=N       each job's W1 and W3 are medians of N runs (default 1)\n"
    "  --mpirun=PATH  the launcher, run as PATH -n RANKS ... (default: mpirun or mpiexec on\n"
    "                 PATH, with Open MPI's settings to oversubscribe, bind to no core and run\n"
    "                 as root in its environment)\n"
    "  --help, --version  print this or the version, and exit\n"
    "taskhub's own flags apply to its runs (--taskhub-isolate=all measures isolated tasks);\n"
    "--scale passes them and --hwm on to its jobs (but sets --taskhub-fanout and -node-size).\n"
    "Exit status: 0 done; 2 a bad option or fewer than 2 ranks; otherwise what taskhub::run\n"
    "returned (with --scale: 1 when a job failed or timed out, the table says which).\n";

// Whether the arguments ask for `flag` (--help, --version).
bool asks_for(int argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], flag)) return true;
  return false;
}
// The first argument that is neither --NAME=N for a known NAME nor a --taskhub- flag, as one line;
// empty when none.
std::string unknown_option(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    bool is_known = !std::strncmp(a, "--taskhub-", 10) || !std::strcmp(a, "--scale");
    for (const char* name : {"--hwm=", "--reps=", "--schemes=", "--campaign=", "--max-outstanding=",
                             "--scale=", "--scale-point=", "--share=", "--share-passed=",
                             "--fanout=", "--node-size=", "--plot=", "--timeout=", "--quick=",
                             "--mpirun=", "--dag-data="})
      is_known |= !std::strncmp(a, name, std::strlen(name));
    if (is_known) continue;
    return driver::printable(a, 200) + ": unknown option (taskhub-bench --help lists them)";
  }
  return "";
}

// The value of --NAME=N, or `fallback`; a value that is not a whole number from `min` to `max`
// sets `problem` (the first one found).
int flag(int argc, char** argv, const char* name, int fallback, int min, int max,
         std::string& problem) {
  const std::string prefix = std::string("--") + name + "=";
  long long value = fallback;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) != 0) continue;
    const std::string wanted = driver::read_whole(argv[i] + prefix.size(), min, max, value);
    if (!wanted.empty() && problem.empty())
      problem = driver::printable(argv[i], 200) + ": wanted " + wanted;
  }
  return static_cast<int>(value);
}

// The text after --NAME=, or empty.
std::string text_flag(int argc, char** argv, const char* name) {
  const std::string prefix = std::string("--") + name + "=";
  std::string value;
  for (int i = 1; i < argc; ++i)
    if (!std::strncmp(argv[i], prefix.c_str(), prefix.size())) value = argv[i] + prefix.size();
  return value;
}

// Whether the arguments ask for the scaling benchmark (--scale or --scale=LIST).
bool asks_for_scale(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--scale") || !std::strncmp(argv[i], "--scale=", 8)) return true;
  return false;
}

// The scaling benchmark's settings from the command line; a bad one sets `problem`.
scale_settings read_scale_settings(int argc, char** argv, std::string& problem) {
  scale_settings s;
  const std::string sizes = text_flag(argc, argv, "scale");
  if (!sizes.empty()) {
    s.sizes.clear();
    std::size_t at = 0;
    while (at <= sizes.size() && problem.empty()) {
      const std::size_t end = std::min(sizes.find(',', at), sizes.size());
      long long n = 0;
      const std::string wanted = driver::read_whole(sizes.substr(at, end - at), 2, 4096, n);
      if (!wanted.empty()) problem = driver::printable("--scale=" + sizes, 200) + ": wanted numbers of ranks, each " + wanted;
      s.sizes.push_back(static_cast<int>(n));
      at = end + 1;
    }
  }
  s.fanout = flag(argc, argv, "fanout", s.fanout, 1, 1000000, problem);
  s.node_size = flag(argc, argv, "node-size", s.node_size, 1, 1000000, problem);
  s.is_quick = flag(argc, argv, "quick", 0, 0, 1, problem) != 0;
  s.reps = flag(argc, argv, "reps", 1, 1, 1000, problem);
  s.plot = text_flag(argc, argv, "plot");
  s.mpirun = text_flag(argc, argv, "mpirun");
  const std::string timeout = text_flag(argc, argv, "timeout");
  if (!timeout.empty()) {
    const std::string wanted = driver::read_duration(timeout, 0, true, 1e6, s.timeout);
    if (!wanted.empty() && problem.empty())
      problem = driver::printable("--timeout=" + timeout, 200) + ": wanted " + wanted;
  }
  for (int i = 1; i < argc; ++i)
    if ((!std::strncmp(argv[i], "--taskhub-", 10) && std::strncmp(argv[i], "--taskhub-fanout=", 17) &&
         std::strncmp(argv[i], "--taskhub-node-size=", 20)) ||
        !std::strncmp(argv[i], "--hwm=", 6))
      s.passed_on.emplace_back(argv[i]);
  return s;
}

figures taskhub_figures(taskhub::hub& hub) {
  figures f;
  f.engines = static_cast<int>(hub.engines().size());
  {  // W1: 20,000 tiny tasks.
    const w1_figures w1 = run_w1(hub, 20000);
    f.w1 = w1.tasks_per_second;
    f.w1_sent = w1.sent;
    f.w1_received = w1.received;
  }
  {  // W2: 2,000 sequential round trips.
    std::vector<double> us;
    for (int i = 0; i < 2000; ++i) {
      const auto t0 = clock_type::now();
      if (hub.apply<&tiny>(i).get() != 2 * i + 1) std::fprintf(stderr, "W2: wrong result\n");
      us.push_back(seconds_since(t0) * 1e6);
    }
    std::sort(us.begin(), us.end());
    f.w2 = {median(us), us[static_cast<std::size_t>(0.99 * static_cast<double>(us.size())) - 1]};
  }
  f.w3 = run_w3(hub, 400);  // W3: 400 uneven tasks.
  {  // W4: 200 tasks of 1 MiB in, 8 bytes out, each argument unlike any before (also in
     // earlier repetitions, which would otherwise meet the argument cache).
    static unsigned char repetition = 0;
    std::vector<char> data(w4_bytes, 1);
    data[1] = static_cast<char>(++repetition);
    const auto t0 = clock_type::now();
    std::vector<taskhub::future<std::uint64_t>> fs;
    for (int i = 0; i < 200; ++i) {
      data[0] = static_cast<char>(i);
      fs.push_back(hub.apply<&bytes_sum>(data));
    }
    std::uint64_t bad = 0;
    for (int i = 0; i < 200; ++i)
      bad += fs[static_cast<std::size_t>(i)].get() !=
             w4_bytes - 2 + repetition + static_cast<unsigned char>(i);
    f.w4 = 200 / seconds_since(t0);
    if (bad) std::fprintf(stderr, "W4: %llu wrong checksums\n", (unsigned long long)bad);
  }
  f.dag = dag_rate(hub, 100000);
  {  // W1 as a map in chunks of 64: every item is still a task.
    std::vector<std::int64_t> xs(20000);
    for (int i = 0; i < 20000; ++i) xs[static_cast<std::size_t>(i)] = i;
    const auto t0 = clock_type::now();
    std::int64_t sum = 0;
    for (std::int64_t y : hub.map<&tiny>(taskhub::map_options().chunksize(64), xs)) sum += y;
    f.map = 20000 / seconds_since(t0);
    if (sum != 20000ll * 19999 + 20000) std::fprintf(stderr, "map: wrong sum %lld\n", (long long)sum);
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (asks_for(argc, argv, "--help") || asks_for(argc, argv, "-h")) {
    std::fputs(usage, stdout);
    return 0;
  }
  if (asks_for(argc, argv, "--version")) {
    std::printf("taskhub-bench %s\n", TASKHUB_VERSION);
    return 0;
  }
  if (asks_for_scale(argc, argv)) {  // the jobs' launcher, which is no MPI job itself
    std::string problem = unknown_option(argc, argv);
    const scale_settings s = read_scale_settings(argc, argv, problem);
    if (problem.empty() && (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_RANK") || std::getenv("PMIX_RANK")))
      problem = "--scale starts its own MPI jobs: run it without mpirun";
    if (!problem.empty()) {
      std::fprintf(stderr, "taskhub-bench: %s\n", problem.c_str());
      return 2;
    }
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    return run_scale(s, n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string(argv[0]));
  }
  taskhub::start_runners(argc, argv);  // before MPI starts, as forking after is unsafe
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::string problem = unknown_option(argc, argv);
  const int hwm = flag(argc, argv, "hwm", taskhub::default_hwm, 0, 1000000, problem);
  const int reps = flag(argc, argv, "reps", 5, 1, 1000, problem);
  const bool is_comparing_schemes = flag(argc, argv, "schemes", 0, 0, 1, problem) != 0;
  const int campaign = flag(argc, argv, "campaign", 0, 0, 1000000000, problem);
  const int max_outstanding = flag(argc, argv, "max-outstanding", 10000, 1, 10000000, problem);
  const bool is_scale_point = flag(argc, argv, "scale-point", 0, 0, 1, problem) != 0;
  const bool is_quick = flag(argc, argv, "quick", 0, 0, 1, problem) != 0;
  const int share = flag(argc, argv, "share", 0, 0, 100000000, problem);
  const int share_passed = flag(argc, argv, "share-passed", 40, 1, 100000, problem);
  const int inflight = hwm == 0 ? 64 : hwm;
  if (!problem.empty()) {
    if (rank == 0) std::fprintf(stderr, "taskhub-bench: %s\n", problem.c_str());
    MPI_Finalize();
    return 2;
  }
  if (size < 2) {
    std::fprintf(stderr, "taskhub-bench: needs at least 2 ranks (mpirun -n 3 taskhub-bench)\n");
    MPI_Finalize();
    return 2;
  }

  if (flag(argc, argv, "dag-data", 0, 0, 1, problem) != 0) {
    const int code = taskhub_bench::run_data_dag(argc, argv, reps, is_quick);
    MPI_Finalize();
    return code;
  }
  if (share > 0) {
    const int code = taskhub_bench::run_share_bench(argc, argv, share, share_passed);
    MPI_Finalize();
    return code;
  }

  if (campaign > 0) {
    taskhub::run_options o;
    o.hwm = hwm;
    const int code = taskhub::run(argc, argv, [&](taskhub::hub& hub) {
      run_campaign(hub, static_cast<std::size_t>(campaign), static_cast<std::size_t>(max_outstanding));
    }, o);
    MPI_Finalize();
    return code;
  }

  if (is_scale_point) {  // one job of --scale
    std::vector<double> raw;
    for (int r = 0; r < reps; ++r) raw.push_back(raw_w1(MPI_COMM_WORLD, scale_w1_tasks(is_quick), inflight));
    const metg_sweep raw_metg = measure_raw_metg(MPI_COMM_WORLD, is_quick, inflight);
    taskhub::run_options o;
    o.hwm = hwm;
    const int code = taskhub::run(argc, argv, [&](taskhub::hub& hub) {
      scale_figures f = measure_scale_point(hub, size, is_quick, reps, median(raw));
      f.raw_metg = raw_metg;
      std::printf("%s\n", to_line(f).c_str());
      std::fflush(stdout);
    }, o);
    MPI_Finalize();
    return code;
  }

  // Raw MPI and taskhub take turns, so both see the same machine; each figure is a median.
  std::vector<figures> raw, th;
  taskhub::run_options opts;
  opts.hwm = hwm;
  int code = 0;
  for (int r = 0; r < reps && code == 0; ++r) {
    figures f;
    f.w1 = raw_w1(MPI_COMM_WORLD, 20000, inflight);
    f.w2 = raw_w2(MPI_COMM_WORLD, 2000);
    f.w3 = raw_w3(MPI_COMM_WORLD, 400, inflight);
    f.w4 = raw_w4(MPI_COMM_WORLD, 200, inflight);
    raw.push_back(f);
    code = taskhub::run(argc, argv, [&](taskhub::hub& hub) { th.push_back(taskhub_figures(hub)); }, opts);
  }
  if (rank == 0 && code == 0) {
    auto med = [](const std::vector<figures>& v, auto field) {
      std::vector<double> xs;
      for (const auto& f : v) xs.push_back(field(f));
      return median(xs);
    };
    const double w1[2] = {med(th, [](auto& f) { return f.w1; }), med(raw, [](auto& f) { return f.w1; })};
    const double w2m[2] = {med(th, [](auto& f) { return f.w2.median_us; }), med(raw, [](auto& f) { return f.w2.median_us; })};
    const double w2p[2] = {med(th, [](auto& f) { return f.w2.p99_us; }), med(raw, [](auto& f) { return f.w2.p99_us; })};
    const double w3[2] = {med(th, [](auto& f) { return f.w3; }), med(raw, [](auto& f) { return f.w3; })};
    const double w4[2] = {med(th, [](auto& f) { return f.w4; }), med(raw, [](auto& f) { return f.w4; })};
    std::string flags;
    for (int i = 1; i < argc; ++i)
      if (std::strncmp(argv[i], "--taskhub-", 10) == 0) flags += std::string(", ") + argv[i];
    std::printf("taskhub-bench: %d engines (%d relay as sub-hubs), %d raw workers, hwm %d (raw MPI "
                "keeps %d tasks in flight per worker)%s, median of %d\n\n",
                th.front().engines, size - 1 - th.front().engines, size - 1, hwm, inflight,
                flags.c_str(), reps);
    std::printf("| workload | taskhub | raw MPI | taskhub/raw |\n|---|---:|---:|---:|\n");
    std::printf("| W1 20,000 tiny tasks (tasks/s) | %.0f | %.0f | %.2f |\n", w1[0], w1[1], w1[0] / w1[1]);
    std::printf("| W2 round trip, median (us) | %.1f | %.1f | %.2f |\n", w2m[0], w2m[1], w2m[0] / w2m[1]);
    std::printf("| W2 round trip, p99 (us) | %.1f | %.1f | %.2f |\n", w2p[0], w2p[1], w2p[0] / w2p[1]);
    std::printf("| W3 400 uneven tasks (efficiency) | %.1f%% | %.1f%% | %.3f |\n", 100 * w3[0], 100 * w3[1], w3[0] / w3[1]);
    std::printf("| W4 200 x 1 MiB in (MiB/s) | %.0f | %.0f | %.2f |\n", w4[0], w4[1], w4[0] / w4[1]);
    const double dag = med(th, [](auto& f) { return f.dag; });
    std::printf("\n| random DAG, 100,000 tiny tasks, up to 3 parents each (tasks/s) | %.0f | %.2f of W1 |\n",
                dag, dag / w1[0]);
    const double map = med(th, [](auto& f) { return f.map; });
    std::printf("| map, 20,000 tiny items in chunks of 64 (items/s) | %.0f | %.2f of W1 |\n", map,
                map / w1[0]);
    std::printf("\nhub messages per 1,000 tasks of W1: %.0f sent, %.0f received\n",
                med(th, [](auto& f) { return f.w1_sent; }),
                med(th, [](auto& f) { return f.w1_received; }));
  }
  if (is_comparing_schemes && code == 0) {
    // W3 under every scheme and high-water mark.
    if (rank == 0) std::printf("\n| W3 efficiency | hwm 0 | hwm 1 | hwm 4 |\n|---|---:|---:|---:|\n");
    for (const char* name : {"leastload", "lru", "plainrandom", "twobin", "weighted"}) {
      double eff[3] = {0, 0, 0};
      const int hwms[3] = {0, 1, 4};
      for (int k = 0; k < 3 && code == 0; ++k) {
        taskhub::run_options o;
        o.hwm = hwms[k];
        o.scheme = taskhub::make_scheme(name);
        code = taskhub::run(argc, argv, [&](taskhub::hub& hub) { eff[k] = run_w3(hub, 400); }, o);
      }
      if (rank == 0)
        std::printf("| %s | %.1f%% | %.1f%% | %.1f%% |\n", name, 100 * eff[0], 100 * eff[1], 100 * eff[2]);
    }
  }
  MPI_Finalize();
  return code;
}
