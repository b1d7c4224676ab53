// SPDX-License-Identifier: MIT
// Part of taskhub.
// The raw-MPI master/worker baseline of taskhub-bench.
#pragma once

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#include <mpi.h>

namespace taskhub_bench {

// Raw-MPI master/worker baselines. Every function is collective over comm:
// rank 0 is the master, all other ranks (at least one) are workers. The
// figure is returned on rank 0; other ranks return 0 (or an empty latency).
// inflight is the number of tasks kept outstanding per worker (>= 1).

/// W1: runs tasks tiny tasks and returns tasks per second measured on the master.
double raw_w1(MPI_Comm comm, int tasks, int inflight);

/// Round-trip latency figures in microseconds.
struct latency {
  double median_us;
  double p99_us;
};

/// W2: runs round_trips sequential tiny tasks round-robin over workers and returns median and p99 latency.
latency raw_w2(MPI_Comm comm, int round_trips);

/// W3: runs tasks uneven sleeping tasks and returns the efficiency (ideal time / wall time).
double raw_w3(MPI_Comm comm, int tasks, int inflight);

/// Runs tasks that each sleep ms milliseconds (ms as given on every rank) and returns their
/// efficiency as W3's.
double raw_sleeps(MPI_Comm comm, int tasks, double ms, int inflight);

/// W4: sends a 1 MiB buffer per task, gets an 8-byte checksum back, and returns MiB/s.
double raw_w4(MPI_Comm comm, int tasks, int inflight);

}  // namespace taskhub_bench
