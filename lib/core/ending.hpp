// SPDX-License-Identifier: MIT
// Part of taskhub.
// Whether this process was told to end from outside (SIGTERM: the launcher ends every rank when
// one dies, and on scancel or a time limit). From then on an engine starts no task and reports
// none, and the hub hands out no outcome: what the launcher kills is not recorded as failed, and
// runs again on resume.
#pragma once

namespace taskhub::detail {

bool is_ending();
/// Async-signal-safe: called from the SIGTERM handler.
void mark_ending();

}  // namespace taskhub::detail
