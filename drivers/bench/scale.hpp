// SPDX-License-Identifier: MIT
// Part of taskhub.
// The scaling benchmark: one MPI job per size and layout, flat against a tree of sub-hubs, all
// with lanes off, and the table and plot of what they measured.
#pragma once

#include <string>
#include <vector>

namespace taskhub_bench {

struct scale_settings {
  std::vector<int> sizes{8, 16, 32, 64, 128};  // ranks per job
  int fanout = 8;       // the tree's --taskhub-fanout (the flat jobs have 0)
  int node_size = 8;    // --taskhub-node-size of every job: simulated nodes of this many ranks
  bool is_quick = false;
  int reps = 1;
  double timeout = 300;  // seconds per job
  std::string mpirun;    // empty: mpirun (or mpiexec) on PATH, with Open MPI's settings for root,
                         // oversubscription and no binding in its environment
  std::string plot;      // where the SVG goes; empty: nowhere
  std::vector<std::string> passed_on;  // flags every job gets (--taskhub-*, --hwm)
};

/// Runs every job from this process (not an MPI job itself), prints the table to stdout and
/// progress to stderr, and writes the plot. A job that printed its figures and then failed keeps
/// them, marked so. Returns 0 when every job ended well, 1 when one failed or timed out (the
/// table says which), 2 when nothing could be run.
int run_scale(const scale_settings& s, const std::string& self);

}  // namespace taskhub_bench
