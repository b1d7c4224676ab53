// SPDX-License-Identifier: MIT
// Part of taskhub.
// Scalar attributes: a file's format name, version and counters.
#include "hdf5/attribute.hpp"

#include <algorithm>

#include "hdf5/datatype.hpp"
#include "hdf5/file.hpp"
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
  handle type(a ? H5Aget_type(a.get()) : H5I_INVALID_HID);
  handle space(a ? H5Aget_space(a.get()) : H5I_INVALID_HID);
  if (!type || !space || H5Tget_class(type.get()) != H5T_STRING ||
      H5Sget_simple_extent_npoints(space.get()) != 1)
    return std::nullopt;
  // Read in the file's own character set: HDF5 converts neither way between ASCII and UTF-8.
  if (H5Tis_variable_str(type.get()) > 0) {
    handle memory(H5Tcopy(H5T_C_S1));
    H5Tset_size(memory.get(), H5T_VARIABLE);
    H5Tset_cset(memory.get(), H5Tget_cset(type.get()));
    char* text = nullptr;
    if (H5Aread(a.get(), memory.get(), &text) < 0 || !text) return std::string();
    std::string out(text);
    H5free_memory(text);
    return out;
  }
  // The bytes as the file has them, by the declared size, which the file must be able to hold.
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > file_size(a.get())) return std::nullopt;
  std::string text(size, '\0');
  handle memory(H5Tcopy(type.get()));
  if (H5Aread(a.get(), memory.get(), &text[0]) < 0) return std::string();
  if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) {
    text.erase(text.find_last_not_of(' ') + 1);
  } else {  // NUL-terminated, or NUL-padded: up to the first NUL, or all of it
    text.resize(std::min(text.find('\0'), text.size()));
  }
  return text;
}

}  // namespace taskhub::detail::hdf5
