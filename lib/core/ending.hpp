// SPDX-License-Identifier: MIT
// Part of taskhub.
// Whether this process was told to end from outside (SIGTERM: the launcher ends every rank when
// one dies, and on scancel or a time limit). From then on an engine starts no task and reports
// none, and the hub hands out no outcome: what the launcher kills is not recorded as failed, and
// runs again on resume.
#pragma once

#include <chrono>

namespace taskhub::detail {

bool is_ending();
/// Async-signal-safe: called from the SIGTERM handler.
void mark_ending();

/// How long a rank of this host that has died may wait for the launcher's SIGTERM before the
/// others take it that the run goes on without it. Open MPI says whether it lets the others live:
/// under `mpirun --enable-recovery` at once; without it the SIGTERM comes, however long a loaded
/// host takes, and a minute is only a backstop. Another launcher (srun) says nothing: a few
/// seconds for its SIGTERM to arrive.
std::chrono::milliseconds launcher_grace();

}  // namespace taskhub::detail
