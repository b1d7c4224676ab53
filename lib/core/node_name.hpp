// SPDX-License-Identifier: MIT
// Part of taskhub.
// The node this process runs on, as the run sees it: its host, or, with simulated nodes of M
// ranks (`--taskhub-node-size=M`, which makes one machine look like several for tests and
// benchmarks), its host and the group rank / M. Ranks of different nodes share no memory, lanes,
// doorbells or process watches, as if they ran on different machines.
#pragma once

#include <string>

namespace taskhub::detail {

/// Groups ranks into simulated nodes of `ranks_per_node` (0: the real nodes); call once on every
/// rank, before any node memory is made.
void simulate_nodes(int rank, int ranks_per_node);
/// The ranks per simulated node; 0 without.
int simulated_node_size();
/// This process's node: the host name, followed by "#k" on simulated node k.
std::string node_name();

}  // namespace taskhub::detail
