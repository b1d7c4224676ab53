// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "transport/transport.hpp"

namespace taskhub::detail {

/// Serves tasks from the hub (endpoint 0) until it says stop; returns the exit code it sent.
/// `engines_comm` is the engines-only communicator (MPI_COMM_NULL for engine threads);
/// `engines` lists every engine's rank; `tags` are the tags this engine advertises.
int serve_engine(transport& t, int rank, MPI_Comm engines_comm, const std::vector<int>& engines,
                 const std::vector<std::string>& tags);

/// The tags this process's engines take from TASKHUB_ENGINE_TAGS (comma-separated).
std::vector<std::string> tags_from_environment();

}  // namespace taskhub::detail
