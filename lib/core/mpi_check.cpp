// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one checker of MPI return codes.
#include "core/mpi_check.hpp"

#include <mpi.h>

#include <string>

#include "taskhub/error.hpp"

namespace taskhub::detail {

void check_mpi(int rc, const char* routine) {
  if (rc == MPI_SUCCESS) return;
  int error_class = 0, len = 0;
  char text[MPI_MAX_ERROR_STRING];
  MPI_Error_class(rc, &error_class);
  MPI_Error_string(rc, text, &len);
  throw mpi_error(routine, error_class, std::string(text, static_cast<std::size_t>(len)));
}

}  // namespace taskhub::detail
