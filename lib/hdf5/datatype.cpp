// SPDX-License-Identifier: MIT
// Part of taskhub.
// HDF5 datatypes built in code: fixed-length strings and compound rows.
#include "hdf5/datatype.hpp"

namespace taskhub::detail::hdf5 {

handle string_type(std::size_t n) {
  handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), n);
  H5Tset_strpad(t.get(), H5T_STR_NULLTERM);
  return t;
}

compound::compound(std::size_t size) : type_(H5Tcreate(H5T_COMPOUND, size)) {}

compound& compound::add(const char* name, std::size_t offset, hid_t type) {
  H5Tinsert(type_.get(), name, offset, type);
  return *this;
}

compound& compound::text(const char* name, std::size_t offset, std::size_t n) {
  return add(name, offset, string_type(n).get());
}

}  // namespace taskhub::detail::hdf5
