// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

#include <mpi.h>

#include "transport.hpp"

namespace taskhub::detail {

/// Serves tasks from the hub (endpoint 0) until it says stop; returns the exit code it sent.
/// `engines` is the engines-only communicator (MPI_COMM_NULL for engine threads).
int serve_engine(transport& t, int rank, MPI_Comm engines);

}  // namespace taskhub::detail
