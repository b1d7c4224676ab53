// SPDX-License-Identifier: MIT
// Part of taskhub.
// The node this process runs on.
#include "core/node_name.hpp"

#include <unistd.h>

namespace taskhub::detail {
namespace {

int ranks_per_node = 0;
int simulated_node = 0;

}  // namespace

void simulate_nodes(int rank, int per_node) {
  ranks_per_node = per_node > 0 ? per_node : 0;
  simulated_node = ranks_per_node > 0 ? rank / ranks_per_node : 0;
}

int simulated_node_size() { return ranks_per_node; }

std::string node_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  std::string out = name;
  if (ranks_per_node > 0) out += "#" + std::to_string(simulated_node);
  return out;
}

}  // namespace taskhub::detail
