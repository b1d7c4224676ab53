// SPDX-License-Identifier: MIT
// Part of taskhub.
// An HDF5 identifier that closes itself with the close function of its kind.
#pragma once

#include <hdf5.h>

namespace taskhub::detail::hdf5 {

/// Owns one HDF5 identifier (file, group, dataset, attribute, datatype, dataspace or property
/// list); a negative identifier, as a failed call returns, owns nothing.
class handle {
 public:
  handle() = default;
  explicit handle(hid_t id) : id_(id) {}
  handle(handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  handle& operator=(handle&& o) noexcept;
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  ~handle() { close(); }

  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

  /// Closes the identifier now; false when HDF5 failed to (a file whose last writes failed).
  bool close();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

}  // namespace taskhub::detail::hdf5
