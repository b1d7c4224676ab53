// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one lock around the runtime's HDF5 calls.
#pragma once

#include <mutex>

namespace taskhub::detail {

/// Debian's HDF5 is not built thread-safe: every HDF5 call of the runtime (the hub's journal, a
/// kernel's checkpoints on an engine thread in single-process mode) holds this.
std::mutex& hdf5_mutex();

}  // namespace taskhub::detail
