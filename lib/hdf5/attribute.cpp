// SPDX-License-Identifier: MIT
// Part of taskhub.
// Scalar attributes: a file's format name, version and counters.
#include "hdf5/attribute.hpp"

#include <vector>

#include "hdf5/datatype.hpp"
#include "hdf5/handle.hpp"

namespace taskhub::detail::hdf5 {

bool write_attribute(hid_t object, const char* name, hid_t type, const void* value) {
  handle scalar(H5Screate(H5S_SCALAR));
  handle a(H5Acreate2(object, name, type, scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
  return a && H5Awrite(a.get(), type, value) >= 0;
}

bool write_text_attribute(hid_t object, const char* name, const std::string& text) {
  return write_attribute(object, name, string_type(text.size() + 1).get(), text.c_str());
}

bool read_attribute(hid_t object, const char* name, hid_t memory_type, void* value) {
  if (H5Aexists(object, name) <= 0) return false;
  handle a(H5Aopen(object, name, H5P_DEFAULT));
  return a && H5Aread(a.get(), memory_type, value) >= 0;
}

std::optional<std::string> read_text_attribute(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return std::nullopt;
  handle a(H5Aopen(object, name, H5P_DEFAULT));
  handle type(H5Aget_type(a.get()));
  handle space(H5Aget_space(a.get()));
  if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1)
    return std::nullopt;
  if (H5Tis_variable_str(type.get()) > 0) {
    handle memory(H5Tcopy(H5T_C_S1));
    H5Tset_size(memory.get(), H5T_VARIABLE);
    char* text = nullptr;
    if (H5Aread(a.get(), memory.get(), &text) < 0 || !text) return std::string();
    std::string out(text);
    H5free_memory(text);
    return out;
  }
  // One byte more than the file's string, so that it ends in a NUL.
  const std::size_t width = H5Tget_size(type.get()) + 1;
  std::vector<char> text(width, '\0');
  if (H5Aread(a.get(), string_type(width).get(), text.data()) < 0) return std::string();
  return std::string(text.data());
}

}  // namespace taskhub::detail::hdf5
