// SPDX-License-Identifier: MIT
// Part of taskhub.
// HDF5 datatypes built in code: fixed-length strings and compound rows.
#pragma once

#include <cstddef>
#include <utility>

#include "hdf5/handle.hpp"

namespace taskhub::detail::hdf5 {

/// A fixed-length string of `n` bytes, NUL-terminated (a char[n] holds n - 1 characters).
handle string_type(std::size_t n);

/// A compound type built field by field:
/// `compound(sizeof(row)).add("id", HOFFSET(row, id), H5T_NATIVE_UINT64).take()`.
class compound {
 public:
  explicit compound(std::size_t size);
  compound& add(const char* name, std::size_t offset, hid_t type);
  /// A char[n] field.
  compound& text(const char* name, std::size_t offset, std::size_t n);
  handle take() { return std::move(type_); }

 private:
  handle type_;
};

}  // namespace taskhub::detail::hdf5
