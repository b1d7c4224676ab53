// SPDX-License-Identifier: MIT
// Part of taskhub.
// The one lock around the runtime's HDF5 calls.
#include "hdf5/lock.hpp"

namespace taskhub::detail {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace taskhub::detail
