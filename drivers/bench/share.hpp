// SPDX-License-Identifier: MIT
// Part of taskhub.
// The shared-reference workload: many tasks over one large reference, shared against passed.
#pragma once

namespace taskhub_bench {

/// Runs `tasks` tasks that each read a 4 KiB slice of a 64 MiB reference taken through
/// hub.share, then `passed` tasks that take the reference itself, with caching on and off; prints
/// one table (on rank 0) of the bytes rank 0 sent, wall time and rank 0's peak RSS. Returns what
/// taskhub::run returned last.
int run_share_bench(int argc, char** argv, int tasks, int passed);

}  // namespace taskhub_bench
