// SPDX-License-Identifier: MIT
// Part of taskhub.
// HDF5's error stack as one line of text.
#pragma once

#include <string>

namespace taskhub::detail::hdf5 {

/// Stops HDF5 from printing its error stack: failures are reported as one line each.
void silence_errors();

/// The innermost message on HDF5's error stack (what actually went wrong, not the call that
/// failed) on one line, or "unknown HDF5 error"; clears the stack.
std::string error_text();

}  // namespace taskhub::detail::hdf5
