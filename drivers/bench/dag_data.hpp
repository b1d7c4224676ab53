// SPDX-License-Identifier: MIT
// Part of taskhub.
// The data DAG: layers of tasks whose 1 MiB results feed the next layer, kept on their engines or
// brought back to rank 0, with locality on and off: bytes moved and time.
#pragma once

namespace taskhub_bench {

/// Runs the data DAG in each of its modes (each a taskhub::run of its own) and prints one table
/// on rank 0; returns the first non-zero code of a run.
int run_data_dag(int argc, char** argv, int reps, bool is_quick);

}  // namespace taskhub_bench
