// SPDX-License-Identifier: MIT
// Part of taskhub.
// The raw-MPI master/worker that taskhub-bench measures taskhub against.
#include "raw_mpi.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "work.hpp"

namespace taskhub_bench {
namespace {

// Tags private to the baseline, chosen away from small values other code may use.
constexpr int tag_task = 7301;
constexpr int tag_result = 7302;
constexpr int tag_stop = 7303;

int comm_rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

int comm_size(MPI_Comm comm) {
  int s = 0;
  MPI_Comm_size(comm, &s);
  return s;
}

// Tells every worker the phase is over.
void stop_workers(MPI_Comm comm) {
  for (int w = 1; w < comm_size(comm); ++w) MPI_Send(nullptr, 0, MPI_BYTE, w, tag_stop, comm);
}

// Worker loop: blocks in MPI_Recv for tasks from the master until the stop tag arrives.
template <class OnTask>
void serve(MPI_Comm comm, void* buf, int count, MPI_Datatype type, OnTask on_task) {
  for (;;) {
    MPI_Status st;
    MPI_Recv(buf, count, type, 0, MPI_ANY_TAG, comm, &st);
    if (st.MPI_TAG == tag_stop) return;
    on_task(st);
  }
}

// Worker side of W1/W2/W3: one int64 in, one int64 out.
template <class Fn>
void serve_small(MPI_Comm comm, Fn fn) {
  std::int64_t x = 0;
  serve(comm, &x, 1, MPI_INT64_T, [&](const MPI_Status&) {
    std::int64_t y = fn(x);
    MPI_Send(&y, 1, MPI_INT64_T, 0, tag_result, comm);
  });
}

// Master side of W1/W3: dynamically hands out task indices 0..tasks-1, returns the sum of results.
std::int64_t master_small(MPI_Comm comm, int tasks, int inflight) {
  const int size = comm_size(comm);
  std::int64_t next = 0, sum = 0;
  for (int k = 0; k < inflight; ++k)
    for (int w = 1; w < size && next < tasks; ++w, ++next)
      MPI_Send(&next, 1, MPI_INT64_T, w, tag_task, comm);
  for (int done = 0; done < tasks; ++done) {
    std::int64_t r = 0;
    MPI_Status st;
    MPI_Recv(&r, 1, MPI_INT64_T, MPI_ANY_SOURCE, tag_result, comm, &st);
    sum += r;
    if (next < tasks) {
      MPI_Send(&next, 1, MPI_INT64_T, st.MPI_SOURCE, tag_task, comm);
      ++next;
    }
  }
  return sum;
}

}  // namespace

double raw_w1(MPI_Comm comm, int tasks, int inflight) {
  MPI_Barrier(comm);
  if (comm_rank(comm) != 0) {
    serve_small(comm, [](std::int64_t x) { return tiny_work(x); });
    return 0;
  }
  const double t0 = MPI_Wtime();
  const std::int64_t sum = master_small(comm, tasks, std::max(1, inflight));
  const double t1 = MPI_Wtime();
  stop_workers(comm);
  const std::int64_t expected = static_cast<std::int64_t>(tasks) * tasks;  // sum of 2i+1
  if (sum != expected)
    std::fprintf(stderr, "raw_w1: result sum %lld, expected %lld\n", static_cast<long long>(sum),
                 static_cast<long long>(expected));
  return tasks > 0 ? tasks / (t1 - t0) : 0;
}

latency raw_w2(MPI_Comm comm, int round_trips) {
  MPI_Barrier(comm);
  if (comm_rank(comm) != 0) {
    serve_small(comm, [](std::int64_t x) { return tiny_work(x); });
    return {0, 0};
  }
  const int workers = comm_size(comm) - 1;
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(std::max(0, round_trips)));
  int bad = 0;
  for (int r = 0; r < round_trips; ++r) {
    const int w = 1 + r % workers;
    std::int64_t x = r, y = 0;
    const double t0 = MPI_Wtime();
    MPI_Send(&x, 1, MPI_INT64_T, w, tag_task, comm);
    MPI_Recv(&y, 1, MPI_INT64_T, w, tag_result, comm, MPI_STATUS_IGNORE);
    us.push_back((MPI_Wtime() - t0) * 1e6);
    bad += y != tiny_work(x);
  }
  stop_workers(comm);
  if (bad) std::fprintf(stderr, "raw_w2: %d wrong results\n", bad);
  if (us.empty()) return {0, 0};
  std::sort(us.begin(), us.end());
  const std::size_t n = us.size();
  const double median = n % 2 ? us[n / 2] : (us[n / 2 - 1] + us[n / 2]) / 2;
  const std::size_t p99 = std::min(n - 1, static_cast<std::size_t>(std::ceil(0.99 * n)) - 1);
  return {median, us[p99]};
}

double raw_w3(MPI_Comm comm, int tasks, int inflight) {
  MPI_Barrier(comm);
  if (comm_rank(comm) != 0) {
    serve_small(comm, [](std::int64_t i) {
      uneven_work(static_cast<int>(i));
      return i;
    });
    return 0;
  }
  const double t0 = MPI_Wtime();
  const std::int64_t sum = master_small(comm, tasks, std::max(1, inflight));
  const double wall_ms = (MPI_Wtime() - t0) * 1e3;
  stop_workers(comm);
  const std::int64_t expected = static_cast<std::int64_t>(tasks) * (tasks - 1) / 2;
  if (sum != expected) std::fprintf(stderr, "raw_w3: result sum mismatch\n");
  double busy_ms = 0;
  for (int i = 0; i < tasks; ++i) busy_ms += uneven_ms(i);
  const int workers = comm_size(comm) - 1;
  return wall_ms > 0 ? busy_ms / workers / wall_ms : 0;
}

double raw_sleeps(MPI_Comm comm, int tasks, double ms, int inflight) {
  MPI_Barrier(comm);
  if (comm_rank(comm) != 0) {
    serve_small(comm, [ms](std::int64_t i) {
      sleep_work(ms);
      return i;
    });
    return 0;
  }
  const double t0 = MPI_Wtime();
  master_small(comm, tasks, std::max(1, inflight));
  const double wall_ms = (MPI_Wtime() - t0) * 1e3;
  stop_workers(comm);
  return wall_ms > 0 ? tasks * ms / (comm_size(comm) - 1) / wall_ms : 0;
}

double raw_w4(MPI_Comm comm, int tasks, int inflight) {
  MPI_Barrier(comm);
  if (comm_rank(comm) != 0) {
    std::vector<char> buf(w4_bytes);
    serve(comm, buf.data(), static_cast<int>(w4_bytes), MPI_BYTE, [&](const MPI_Status& st) {
      int n = 0;
      MPI_Get_count(&st, MPI_BYTE, &n);
      std::uint64_t sum = bytes_work(buf.data(), static_cast<std::size_t>(n));
      MPI_Send(&sum, 1, MPI_UINT64_T, 0, tag_result, comm);
    });
    return 0;
  }
  inflight = std::max(1, inflight);
  const int workers = comm_size(comm) - 1;
  // One prefilled 1 MiB buffer per outstanding task; only the first byte changes per task.
  const std::size_t slots = static_cast<std::size_t>(workers) * inflight;
  std::vector<char> bufs(slots * w4_bytes);
  for (std::size_t i = 0; i < bufs.size(); ++i) bufs[i] = static_cast<char>((i * 131 + 7) & 0xff);
  const std::uint64_t base = bytes_work(bufs.data(), w4_bytes) - static_cast<unsigned char>(bufs[0]);
  std::vector<MPI_Request> reqs(slots, MPI_REQUEST_NULL);
  std::vector<int> slot_task(slots, 0);
  std::vector<int> head(static_cast<std::size_t>(workers) + 1, 0);  // oldest outstanding slot per worker
  int next = 0, bad = 0;
  auto send_task = [&](int w, std::size_t slot) {
    char* p = bufs.data() + slot * w4_bytes;
    p[0] = static_cast<char>(next & 0xff);
    slot_task[slot] = next++;
    MPI_Isend(p, static_cast<int>(w4_bytes), MPI_BYTE, w, tag_task, comm, &reqs[slot]);
  };

  const double t0 = MPI_Wtime();
  for (int k = 0; k < inflight; ++k)
    for (int w = 1; w <= workers && next < tasks; ++w) send_task(w, static_cast<std::size_t>(w - 1) * inflight + k);
  for (int done = 0; done < tasks; ++done) {
    std::uint64_t sum = 0;
    MPI_Status st;
    MPI_Recv(&sum, 1, MPI_UINT64_T, MPI_ANY_SOURCE, tag_result, comm, &st);
    const int w = st.MPI_SOURCE;
    const std::size_t slot = static_cast<std::size_t>(w - 1) * inflight + head[w];
    MPI_Wait(&reqs[slot], MPI_STATUS_IGNORE);
    bad += sum != base + (slot_task[slot] & 0xff);
    head[w] = (head[w] + 1) % inflight;
    if (next < tasks) send_task(w, slot);
  }
  const double t1 = MPI_Wtime();
  stop_workers(comm);
  if (bad) std::fprintf(stderr, "raw_w4: %d checksum mismatches\n", bad);
  return tasks > 0 ? tasks / (t1 - t0) : 0;  // 1 MiB per task
}

}  // namespace taskhub_bench
