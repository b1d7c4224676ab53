// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-calibrate: the costs that taskhub-model needs, measured on this machine.
//
//   TASKHUB_LANES=0 mpirun -n 3 taskhub-calibrate
//
// 1. The root's scheduler: CPU time to place a task among N engines (its scan grows with N).
// 2. A relay's part: packing a batch into a sub-hub's message and unpacking it.
// 3. Raw MPI between ranks 0 and 1: a stream of messages each way, and a ping-pong.
// 4. taskhub itself: 50,000 tiny tasks at several high-water marks; rank 0's CPU time and
//    messages per task give, by a straight-line fit, its cost per task and per message.
//
//   mpirun -n 33 taskhub-calibrate --validate --tasks=20000 --task-us=1000 [--taskhub-fanout=8 ...]
//
// instead runs tasks that sleep for a while through taskhub's layout of the flags, and prints what
// the model predicts for it: tasks per second, efficiency and the root's messages.

#include <taskhub/taskhub.hpp>

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hub/scheduler.hpp"
#include "transport/relay_parts.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using taskhub::detail::bytes;

std::int64_t tiny(std::int64_t x) { return x * 2 + 1; }
void nap(int us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); }

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double thread_seconds() {  // this thread's CPU time: what the work costs, not time others took
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double cpu_seconds() {  // the whole process: every thread of rank 0
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// The least of `n` measurements: what the work costs when nothing else takes the core.
template <class Fn>
double least_of(int n, Fn&& fn) {
  double least = fn();
  for (int i = 1; i < n; ++i) least = std::min(least, fn());
  return least;
}

// Nanoseconds to place one task among `n` engines that hold `hwm` tasks each, when one engine
// answers `answered` tasks at a time and the root places as many again (leastload, plain tasks);
// with `group` > 0 the engines are behind sub-hubs of `group` each (placed in two steps).
double placement_ns(int n, int hwm, int answered, int group = 0) {
  std::vector<int> ranks(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ranks[static_cast<std::size_t>(i)] = i + 1;
  taskhub::detail::scheduler::config placing;
  placing.hwm = hwm;
  if (group > 0)
    for (int i = 0; i < n; ++i) placing.groups.push_back(i / group);
  taskhub::detail::scheduler s(ranks, placing);
  for (auto& slot : s.slots()) slot.outstanding = hwm;
  std::vector<std::unique_ptr<taskhub::detail::task_data>> tasks;
  for (int i = 0; i < answered; ++i) {
    tasks.push_back(std::make_unique<taskhub::detail::task_data>());
    tasks.back()->id = static_cast<std::uint64_t>(i + 1);
  }
  long placed = 0;
  const double t0 = thread_seconds();
  for (long round = 0;; ++round) {
    auto& slot = s.slots()[static_cast<std::size_t>(round % n)];
    slot.outstanding -= answered;
    s.touched(slot);
    for (auto& t : tasks) s.enqueue(*t);
    s.schedule();
    for (auto* t : s.assigned()) {
      auto* to = s.slot_of(t->engine);
      to->outstanding += static_cast<int>(to->batch.size());
      to->batch.clear();
    }
    placed += answered;
    if ((round & 15) == 15 && thread_seconds() - t0 > 0.05) break;
  }
  return (thread_seconds() - t0) * 1e9 / static_cast<double>(placed);
}

// Nanoseconds per part to pack `parts` batches of `size` bytes into one relayed message and to
// unpack them again (what a sub-hub does with each, and the root with each engine's batch).
double part_ns(int parts, std::size_t size) {
  bytes batch(size, 'x');
  long done = 0;
  const double t0 = thread_seconds();
  while (thread_seconds() - t0 < 0.05) {
    for (int k = 0; k < 64; ++k) {
      bytes msg;
      for (int i = 0; i < parts; ++i) taskhub::detail::append_part(msg, i + 1, batch.data(), size);
      taskhub::detail::for_each_part(msg, [](int, bytes part) {
        taskhub::detail::recycle_buffer(std::move(part));
      });
      done += parts;
    }
  }
  return (thread_seconds() - t0) * 1e9 / static_cast<double>(done);
}

// Microseconds per message at rank 0 to receive (`to_root`) or send a message of `size` bytes:
// the least over 200 rounds of 256 messages, so a machine shared with other jobs still shows
// the cost itself. Receiving drains messages already waiting, probed as the hub probes; sending
// posts them and waits until each is sent.
double message_us(int rank, bool to_root, int size) {
  const int count = 256;
  std::vector<char> buf(static_cast<std::size_t>(size) * count, 1);
  std::vector<MPI_Request> reqs(count);
  const bool is_sender = (rank == 1) == to_root;
  double least = 1e9;
  for (int round = 0; round < 200; ++round) {
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank <= 1 && is_sender) {
      const auto t0 = clock_type::now();
      for (int i = 0; i < count; ++i)
        MPI_Isend(buf.data() + static_cast<std::size_t>(i) * size, size, MPI_CHAR, 1 - rank, 7,
                  MPI_COMM_WORLD, &reqs[static_cast<std::size_t>(i)]);
      MPI_Waitall(count, reqs.data(), MPI_STATUSES_IGNORE);
      if (rank == 0) least = std::min(least, seconds_since(t0) * 1e6 / count);
    }
    MPI_Barrier(MPI_COMM_WORLD);  // (the messages wait at the receiver meanwhile)
    if (rank <= 1 && !is_sender) {
      const auto t0 = clock_type::now();
      for (int i = 0; i < count; ++i) {
        int has = 0;
        MPI_Message m;
        MPI_Status st;
        while (!has) MPI_Improbe(MPI_ANY_SOURCE, 7, MPI_COMM_WORLD, &has, &m, &st);
        MPI_Mrecv(buf.data(), size, MPI_CHAR, &m, MPI_STATUS_IGNORE);
      }
      if (rank == 0) least = std::min(least, seconds_since(t0) * 1e6 / count);
    }
  }
  return least;
}

// Half a round trip between ranks 0 and 1, microseconds (median of `count`).
double ping_pong_us(int rank, int count) {
  char b = 0;
  std::vector<double> t;
  MPI_Barrier(MPI_COMM_WORLD);
  for (int i = 0; i < count && rank <= 1; ++i) {
    const auto t0 = clock_type::now();
    if (rank == 0) {
      MPI_Send(&b, 1, MPI_CHAR, 1, 8, MPI_COMM_WORLD);
      MPI_Recv(&b, 1, MPI_CHAR, 1, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(&b, 1, MPI_CHAR, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(&b, 1, MPI_CHAR, 0, 8, MPI_COMM_WORLD);
    }
    t.push_back(seconds_since(t0) * 1e6 / 2);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (t.empty()) return 0;
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The value of --NAME=N, or `fallback`.
long whole_flag(int argc, char** argv, const char* name, long fallback) {
  const std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i)
    if (!std::strncmp(argv[i], prefix.c_str(), prefix.size())) return std::atol(argv[i] + prefix.size());
  return fallback;
}

// Runs `tasks` tasks of `task_us` each (0: tiny) and prints what the model predicts.
int validate(int argc, char** argv, long tasks, int task_us) {
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    const auto before = hub.traffic().hub;
    const auto t0 = clock_type::now();
    if (task_us > 0) {
      std::vector<taskhub::future<void>> fs;
      for (long i = 0; i < tasks; ++i) fs.push_back(hub.apply<&nap>(task_us));
      taskhub::wait(fs);
    } else {
      std::vector<taskhub::future<std::int64_t>> fs;
      for (long i = 0; i < tasks; ++i) fs.push_back(hub.apply<&tiny>(i));
      for (auto& f : fs) f.get();
    }
    const double wall = seconds_since(t0);
    const auto after = hub.traffic().hub;
    const double engines = static_cast<double>(hub.engines().size());
    std::printf("%.0f engines, %ld tasks of %d us: %.0f tasks/s, efficiency %.1f%%, root messages "
                "per 1,000 tasks %.1f sent + %.1f received = %.1f\n",
                engines, tasks, task_us, tasks / wall,
                task_us > 0 ? 100.0 * tasks * task_us * 1e-6 / wall / engines : 0.0,
                1000.0 * static_cast<double>(after.messages_sent - before.messages_sent) / tasks,
                1000.0 * static_cast<double>(after.messages_received - before.messages_received) / tasks,
                1000.0 * static_cast<double>(after.messages_sent - before.messages_sent +
                                             after.messages_received - before.messages_received) / tasks);
  });
}

struct root_run {
  int hwm;
  double cpu_us, wall_us, messages;  // per task, at rank 0; messages sent and received
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help")) {
      std::puts("usage: [TASKHUB_LANES=0] mpirun -n 3 taskhub-calibrate [--taskhub-... flags]\n"
                "       mpirun -n R taskhub-calibrate --validate [--tasks=N] [--task-us=D]\n"
                "Measures the costs taskhub-model takes (see doc/performance.md) and prints them;\n"
                "with --validate, runs N tasks of D us (0: tiny) and prints the root's messages.");
      return 0;
    }
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--version")) {
      std::printf("taskhub-calibrate %s\n", TASKHUB_VERSION);
      return 0;
    }
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) {
    std::fprintf(stderr, "taskhub-calibrate: needs at least 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (!std::strncmp(a, "--taskhub-", 10) || !std::strcmp(a, "--validate") ||
        !std::strncmp(a, "--tasks=", 8) || !std::strncmp(a, "--task-us=", 10))
      continue;
    if (rank == 0)
      std::fprintf(stderr, "taskhub-calibrate: %.200s: unknown option (--help lists them)\n", a);
    MPI_Finalize();
    return 2;
  }
  bool is_validating = false;
  for (int i = 1; i < argc; ++i) is_validating = is_validating || !std::strcmp(argv[i], "--validate");
  if (is_validating) {
    const int code = validate(argc, argv, whole_flag(argc, argv, "tasks", 20000),
                              static_cast<int>(whole_flag(argc, argv, "task-us", 1000)));
    MPI_Finalize();
    return code;
  }

  if (rank == 0) {
    std::printf("1. placing a task among N engines (leastload, hwm 16), CPU ns per task; flat, "
                "and behind sub-hubs of 32 (two steps)\n");
    std::printf("| N | one engine answers 16 | one engine answers 1 | sub-hubs of 32, 16 | "
                "sub-hubs of 32, 1 |\n|---:|---:|---:|---:|---:|\n");
    for (int n : {1, 10, 100, 1000, 10000, 100000})
      std::printf("| %d | %.1f | %.1f | %.1f | %.1f |\n", n,
                  least_of(5, [n] { return placement_ns(n, 16, 16); }),
                  least_of(5, [n] { return placement_ns(n, 16, 1); }),
                  least_of(5, [n] { return placement_ns(n, 16, 16, 32); }),
                  least_of(5, [n] { return placement_ns(n, 16, 1, 32); }));
    std::printf("\n2. relaying a part (pack into a sub-hub's message and unpack), CPU ns per part\n");
    std::printf("| parts per message | 640 B parts | 64 B parts |\n|---:|---:|---:|\n");
    for (int parts : {1, 8, 64})
      std::printf("| %d | %.0f | %.0f |\n", parts, least_of(5, [parts] { return part_ns(parts, 640); }),
                  least_of(5, [parts] { return part_ns(parts, 64); }));
  }

  double msg_us = 0;  // at 640 bytes, a batch of 16 requests: receiving and sending, averaged
  if (rank == 0) std::printf("\n3. raw MPI between ranks 0 and 1, us per message at rank 0 (least "
                             "of 200 rounds)\n| bytes | receive | send |\n|---:|---:|---:|\n");
  for (int bytes_each : {64, 640, 2048}) {
    const double in = message_us(rank, true, bytes_each);
    const double out = message_us(rank, false, bytes_each);
    if (rank == 0) std::printf("| %d | %.3f | %.3f |\n", bytes_each, in, out);
    if (bytes_each == 640) msg_us = (in + out) / 2;
  }
  const double half_rtt = ping_pong_us(rank, 20000);
  if (rank == 0) std::printf("half a round trip, 1 byte: %.2f us\n", half_rtt);

  std::vector<root_run> runs;
  for (int hwm : {4, 16, 64})
  for (int turn = 0; turn < 3; ++turn) {
    taskhub::run_options o;
    o.hwm = hwm;
    const int code = taskhub::run(argc, argv, [&](taskhub::hub& hub) {
      hub.apply<&tiny>(0).get();
      const int n = 50000;
      const auto before = hub.traffic().hub;
      const double cpu0 = cpu_seconds();
      const auto t0 = clock_type::now();
      std::vector<taskhub::future<std::int64_t>> fs;
      fs.reserve(n);
      for (int i = 0; i < n; ++i) fs.push_back(hub.apply<&tiny>(i));
      for (auto& f : fs) f.get();
      const double wall = seconds_since(t0), cpu = cpu_seconds() - cpu0;
      const auto after = hub.traffic().hub;
      const double msgs = static_cast<double>(after.messages_sent - before.messages_sent +
                                              after.messages_received - before.messages_received);
      const root_run r{hwm, cpu * 1e6 / n, wall * 1e6 / n, msgs / n};
      if (runs.empty() || runs.back().hwm != hwm) runs.push_back(r);
      else if (r.cpu_us < runs.back().cpu_us) runs.back() = r;  // the least of the turns
    }, o);
    if (code != 0) {
      MPI_Finalize();
      return code;
    }
  }
  if (rank == 0) {
    std::printf("\n4. taskhub, 50,000 tiny tasks on %d engines: rank 0 per task (least CPU of 3)\n"
                "| hwm | messages | CPU us | wall us |\n|---:|---:|---:|---:|\n", size - 1);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& r : runs) {
      std::printf("| %d | %.3f | %.3f | %.3f |\n", r.hwm, r.messages, r.cpu_us, r.wall_us);
      sx += r.messages, sy += r.cpu_us, sxx += r.messages * r.messages, sxy += r.messages * r.cpu_us;
    }
    const double k = static_cast<double>(runs.size());
    const double slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
    const double intercept = (sy - slope * sx) / k;
    std::printf("fit, CPU per task = c_task + messages per task x c_msg: c_task %.3f us, "
                "c_msg %.3f us\n", intercept, slope);
    const root_run& most = runs.back();
    std::printf("hwm %d less its messages at raw MPI's %.3f us: c_task %.3f us\n", most.hwm, msg_us,
                most.cpu_us - most.messages * msg_us);
  }
  MPI_Finalize();
  return 0;
}
