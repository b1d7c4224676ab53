// SPDX-License-Identifier: MIT
// Part of taskhub.
// A one-dimensional, chunked, extendable dataset of rows of one type.
#include "hdf5/table.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "hdf5/error_text.hpp"
#include "hdf5/file.hpp"

namespace taskhub::detail::hdf5 {

namespace {

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "an integer";
    case H5T_FLOAT:
      return "a floating-point number";
    case H5T_STRING:
      return "a fixed-length string";
    case H5T_ENUM:
      return "an enum";
    default:
      return "of a known type";
  }
}

}  // namespace

untyped_table::untyped_table(std::string name, handle row_type, std::size_t row_size)
    : name_(std::move(name)), type_(std::move(row_type)) {
  if (!type_ || H5Tget_size(type_.get()) != row_size)
    throw std::logic_error("the row type of " + name_ + " does not fit its rows");
}

void untyped_table::create(hid_t file, hsize_t chunk, hid_t file_type) {
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  handle space(H5Screate_simple(1, &zero, &unlimited));
  handle plist(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(plist.get(), 1, &chunk);
  H5Pset_fletcher32(plist.get());
  set_ = handle(H5Dcreate2(file, name_.c_str(), file_type >= 0 ? file_type : type_.get(),
                           space.get(), H5P_DEFAULT, plist.get(), H5P_DEFAULT));
  if (!set_) throw std::runtime_error("cannot create " + name_ + ": " + error_text());
  size_ = 0;
}

void untyped_table::append(const void* rows, std::size_t n) {
  if (n == 0) return;
  const hsize_t count = n, total = size_ + count;
  if (H5Dset_extent(set_.get(), &total) < 0)
    throw std::runtime_error("cannot extend " + name_ + ": " + error_text());
  handle file_space(H5Dget_space(set_.get()));
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &size_, nullptr, &count, nullptr);
  handle memory_space(H5Screate_simple(1, &count, nullptr));
  if (H5Dwrite(set_.get(), type_.get(), memory_space.get(), file_space.get(), H5P_DEFAULT,
               rows) < 0)
    throw std::runtime_error("cannot write " + name_ + ": " + error_text());
  size_ = total;
}

void untyped_table::read_into(hid_t file, const std::function<void*(std::size_t)>& storage,
                              std::vector<row_range>* damaged) const {
  if (H5Lexists(file, name_.c_str(), H5P_DEFAULT) <= 0)
    throw std::runtime_error("it has no " + name_ + " dataset");
  handle set(H5Dopen2(file, name_.c_str(), H5P_DEFAULT));
  handle space(set ? H5Dget_space(set.get()) : H5I_INVALID_HID);
  if (!set || !space || H5Sget_simple_extent_ndims(space.get()) != 1)
    throw std::runtime_error(name_ + " is not a one-dimensional dataset");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  handle file_type(H5Dget_type(set.get()));
  const handle memory_type = reading_type(file_type.get());
  check_extent(set.get(), n, H5Tget_size(file_type.get()));
  void* rows = storage(static_cast<std::size_t>(n));
  if (n > 0 && damaged) {
    read_chunks(set.get(), memory_type.get(), n, rows, *damaged);
  } else if (n > 0 &&
             H5Dread(set.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) {
    throw std::runtime_error("cannot read " + name_ + ": " + error_text());
  }
}

// Reads the `n` rows one chunk at a time, so that a chunk whose checksum fails costs its rows
// and not the whole dataset.
void untyped_table::read_chunks(hid_t set, hid_t memory_type, hsize_t n, void* rows,
                                std::vector<row_range>& damaged) const {
  handle plist(H5Dget_create_plist(set));
  hsize_t chunk = n;
  if (plist && H5Pget_layout(plist.get()) == H5D_CHUNKED &&
      (H5Pget_chunk(plist.get(), 1, &chunk) != 1 || chunk == 0))
    chunk = n;
  const std::size_t row_size = H5Tget_size(type_.get());
  handle file_space(H5Dget_space(set));
  for (hsize_t first = 0; first < n; first += chunk) {
    const hsize_t count = std::min(chunk, n - first);
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr);
    handle memory_space(H5Screate_simple(1, &count, nullptr));
    char* at = static_cast<char*>(rows) + first * row_size;
    if (H5Dread(set, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, at) < 0) {
      error_text();  // clears the stack
      std::memset(at, 0, count * row_size);
      damaged.push_back({first, count});
    }
  }
}

// A damaged or hostile file may declare any number of rows: refuse more than its bytes can hold
// before anything is allocated for them.
void untyped_table::check_extent(hid_t set, hsize_t n, std::size_t file_row_size) const {
  if (n == 0) return;
  const hsize_t file_bytes = file_size(set);
  handle plist(H5Dget_create_plist(set));
  // Compressed rows may take less room than their size: deflate at best by 1,032 to 1. A
  // checksum only adds bytes.
  hsize_t ratio = 1;
  const int filters = plist ? H5Pget_nfilters(plist.get()) : 0;
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0, filter_config = 0;
    std::size_t values = 0;
    if (H5Pget_filter2(plist.get(), static_cast<unsigned>(i), &flags, &values, nullptr, 0,
                       nullptr, &filter_config) != H5Z_FILTER_FLETCHER32)
      ratio = 1032;
  }
  const hsize_t most = std::numeric_limits<hsize_t>::max();
  const hsize_t room = file_bytes > most / ratio ? most : file_bytes * ratio;
  const std::size_t row_size = H5Tget_size(type_.get());
  if (file_row_size == 0 || n > room / file_row_size ||
      n > std::numeric_limits<std::size_t>::max() / row_size) {
    throw std::runtime_error(name_ + " declares " + std::to_string(n) + " rows of " +
                             std::to_string(file_row_size) + " bytes, more than the file's " +
                             std::to_string(file_bytes) + " bytes can hold");
  }
}

// The row type with each enum field that is a plain integer in the file read as its integer.
handle untyped_table::reading_type(hid_t file_type) const {
  const H5T_class_t row_class = H5Tget_class(type_.get());
  if (row_class != H5T_COMPOUND) {
    if (H5Tget_class(file_type) != row_class)
      throw std::runtime_error(name_ + ": its values are not " + class_name(row_class));
    return handle(H5Tcopy(type_.get()));
  }
  if (H5Tget_class(file_type) != H5T_COMPOUND)
    throw std::runtime_error(name_ + " is not a table of rows");
  handle out(H5Tcreate(H5T_COMPOUND, H5Tget_size(type_.get())));
  const int fields = H5Tget_nmembers(type_.get());
  for (unsigned i = 0; i < static_cast<unsigned>(fields); ++i) {
    char* field = H5Tget_member_name(type_.get(), i);
    const std::string name = field;
    H5free_memory(field);
    const H5T_class_t want = H5Tget_member_class(type_.get(), i);
    const int at = H5Tget_member_index(file_type, name.c_str());
    if (at < 0 && std::find(missing_allowed_.begin(), missing_allowed_.end(), name) !=
                      missing_allowed_.end())
      continue;  // left as the storage has it: zero
    if (at < 0) throw std::runtime_error(name_ + " has no field '" + name + "'");
    handle on_disk(H5Tget_member_type(file_type, static_cast<unsigned>(at)));
    const H5T_class_t has = H5Tget_class(on_disk.get());
    handle type(H5Tget_member_type(type_.get(), i));
    if (want == H5T_ENUM && has == H5T_INTEGER) {
      type = handle(H5Tget_super(type.get()));
    } else if (has != want || (has == H5T_STRING && H5Tis_variable_str(on_disk.get()) > 0)) {
      throw std::runtime_error(name_ + ": field '" + name + "' is not " + class_name(want));
    } else if (has == H5T_STRING) {
      // In the file's character set (HDF5 converts neither way between ASCII and UTF-8), and
      // NUL-padded, so that a string that fills the field keeps its last character.
      H5Tset_cset(type.get(), H5Tget_cset(on_disk.get()));
      H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    }
    H5Tinsert(out.get(), name.c_str(), H5Tget_member_offset(type_.get(), i), type.get());
  }
  return out;
}

}  // namespace taskhub::detail::hdf5
