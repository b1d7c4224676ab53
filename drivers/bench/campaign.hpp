// SPDX-License-Identifier: MIT
// Part of taskhub.
// The campaign workload: a long imap of tiny tasks, and what it costs rank 0 in memory.
#pragma once

#include <cstddef>

#include <taskhub/hub.hpp>

namespace taskhub_bench {

/// Runs `tasks` tiny tasks as one imap keeping `max_outstanding` in flight (after a first run
/// with a tenth of that), and prints rank 0's peak memory, the memory per task in flight and the
/// hub's messages per 1,000 tasks.
void run_campaign(taskhub::hub& hub, std::size_t tasks, std::size_t max_outstanding);

}  // namespace taskhub_bench
