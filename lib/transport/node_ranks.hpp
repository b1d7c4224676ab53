// SPDX-License-Identifier: MIT
// Part of taskhub.
// Ranks of a node's communicator in the communicator it was split from.
#pragma once

#include <mpi.h>

#include <vector>

namespace taskhub::detail {

/// The rank in `comm` of each rank of `part` (a communicator split from it), in `part`'s order.
std::vector<int> ranks_in(MPI_Comm part, MPI_Comm comm);

}  // namespace taskhub::detail
