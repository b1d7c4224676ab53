// SPDX-License-Identifier: MIT
// Part of taskhub.
// One point of the scaling benchmark: W1, W3 and METG in one run, and the line that carries
// them from the run to the table.
#pragma once

#include <string>

#include <taskhub/hub.hpp>

#include "raw_mpi.hpp"

#include "metg.hpp"

namespace taskhub_bench {

struct scale_figures {
  int ranks = 0, engines = 0;       // the ranks of the run, and those that run tasks
  double w1 = 0;                    // W1 tasks per second
  double raw_w1 = 0;                // the same through the raw-MPI master/worker of the job
  double w1_sent = 0, w1_received = 0;  // the root's messages per 1,000 tasks of W1
  double w3 = 0;                    // W3 efficiency
  metg_sweep metg;
  metg_sweep raw_metg;              // the same through the raw-MPI master/worker
};

/// Measures a point on the client's side of a run of `ranks` ranks; `is_quick` makes every part
/// small (for a test). `reps` runs of W1 and of W3, each figure their median; METG from a sweep
/// of sleeping tasks (metg.hpp), a few per engine. `raw_w1` is what raw MPI gave on W1.
scale_figures measure_scale_point(taskhub::hub& hub, int ranks, bool is_quick, int reps, double raw_w1);

/// W1's number of tasks in a point.
int scale_w1_tasks(bool is_quick);

/// METG through the raw-MPI master/worker on `comm` (collective; the sweep is rank 0's, which
/// tells the workers each duration). Rank 0 gets the sweep, the others an empty one.
metg_sweep measure_raw_metg(MPI_Comm comm, bool is_quick, int inflight);

/// The figures as one line starting "scale-point " (key=value words), and back; `from_line`
/// finds the line in `output` and returns false when there is none or it is malformed.
std::string to_line(const scale_figures& f);
bool from_line(const std::string& output, scale_figures& f);

}  // namespace taskhub_bench
