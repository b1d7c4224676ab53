// SPDX-License-Identifier: MIT
// Part of taskhub.
// A one-dimensional, chunked, extendable dataset of rows of one type.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hdf5/handle.hpp"

namespace taskhub::detail::hdf5 {

/// Rows [first, first + count) of a dataset that could not be read: their chunk's checksum
/// failed, or HDF5 could not read it.
struct row_range {
  hsize_t first = 0, count = 0;
};

/// The part of table<Row> that does not depend on the row's C++ type.
class untyped_table {
 public:
  /// Throws std::logic_error when `row_type` is not `row_size` bytes long.
  untyped_table(std::string name, handle row_type, std::size_t row_size);

  const std::string& name() const { return name_; }
  hid_t row_type() const { return type_.get(); }
  /// Rows written since create().
  hsize_t size() const { return size_; }

  /// Creates the empty dataset in `file`, in chunks of `chunk` rows, each with a Fletcher-32
  /// checksum that HDF5 checks when it reads the chunk; its rows are `file_type` on disk when
  /// given (a packed copy of the row type, say), else the row type. Throws std::runtime_error.
  void create(hid_t file, hsize_t chunk, hid_t file_type = H5I_INVALID_HID);

  /// Writes `n` rows after the last one; throws std::runtime_error.
  void append(const void* rows, std::size_t n);

  /// Closes the dataset create() made; false when HDF5 failed to (its last writes failed).
  bool close() { return set_.close(); }

  /// Lets read_into() take a file whose rows lack the field `name` (one a later layout added):
  /// the field is then left zero.
  void allow_missing(std::string name) { missing_allowed_.push_back(std::move(name)); }

 protected:
  /// Reads every row of the dataset in `file` into `storage(row count)`. Fields are matched by
  /// name, so the file's field order, padding and number widths do not matter; each field of the
  /// row must be there with the same class (an enum may be a plain integer on disk), except
  /// those allow_missing() names, left zero when the file lacks them. Throws
  /// std::runtime_error when the dataset is missing, not one-dimensional, of other rows, or
  /// declares more rows than the file can hold (checked before `storage` is called).
  /// With `damaged`, the rows are read chunk by chunk, and the rows of a chunk that cannot be
  /// read are left zero and added to `damaged` instead of failing the read.
  void read_into(hid_t file, const std::function<void*(std::size_t)>& storage,
                 std::vector<row_range>* damaged = nullptr) const;

 private:
  handle reading_type(hid_t file_type) const;
  void check_extent(hid_t set, hsize_t n, std::size_t file_row_size) const;
  void read_chunks(hid_t set, hid_t memory_type, hsize_t n, void* rows,
                   std::vector<row_range>& damaged) const;

  std::string name_;
  handle type_;
  handle set_;
  hsize_t size_ = 0;
  std::vector<std::string> missing_allowed_;
};

/// A table of `Row`s, a struct laid out as `row_type` says (or a number).
template <class Row>
class table : public untyped_table {
 public:
  table(std::string name, handle row_type)
      : untyped_table(std::move(name), std::move(row_type), sizeof(Row)) {}

  void append(const std::vector<Row>& rows) { untyped_table::append(rows.data(), rows.size()); }

  /// Every row of the dataset in `file` (see read_into()); with `damaged`, a chunk that cannot
  /// be read leaves its rows zero and is added there instead of failing the read.
  std::vector<Row> read(hid_t file, std::vector<row_range>* damaged = nullptr) const {
    std::vector<Row> rows;
    read_into(
        file,
        [&rows](std::size_t n) -> void* {
          rows.resize(n);
          return rows.data();
        },
        damaged);
    return rows;
  }
};

}  // namespace taskhub::detail::hdf5
