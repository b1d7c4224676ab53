// SPDX-License-Identifier: MIT
// Part of taskhub.
// Ranks of a node's communicator in the communicator it was split from.
#include "transport/node_ranks.hpp"

namespace taskhub::detail {

std::vector<int> ranks_in(MPI_Comm part, MPI_Comm comm) {
  int n = 0;
  MPI_Comm_size(part, &n);
  std::vector<int> own(static_cast<std::size_t>(n)), theirs(own.size());
  for (int i = 0; i < n; ++i) own[static_cast<std::size_t>(i)] = i;
  MPI_Group part_group, comm_group;
  MPI_Comm_group(part, &part_group);
  MPI_Comm_group(comm, &comm_group);
  MPI_Group_translate_ranks(part_group, n, own.data(), comm_group, theirs.data());
  MPI_Group_free(&part_group);
  MPI_Group_free(&comm_group);
  return theirs;
}

}  // namespace taskhub::detail
