// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one checker of MPI return codes: routine, error class and MPI's own text.
#pragma once

namespace taskhub::detail {

/// Throws taskhub::mpi_error naming `routine` unless `rc` is MPI_SUCCESS.
void check_mpi(int rc, const char* routine);

}  // namespace taskhub::detail
