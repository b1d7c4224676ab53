// SPDX-License-Identifier: MIT
// Part of taskhub.
// Creating and opening HDF5 files.
#pragma once

#include <string>

#include "hdf5/handle.hpp"

namespace taskhub::detail::hdf5 {

/// Creates the file at `path`, replacing one that is there; with `is_swmr_ready` in the latest
/// file format, which single-writer/multiple-reader mode needs. Invalid when HDF5 failed.
handle create_file(const std::string& path, bool is_swmr_ready);

/// Opens the file at `path` to read. A writer that was killed leaves the SWMR flag set, which a
/// plain open refuses; such a file is opened as a SWMR reader and `*is_swmr_read` set. Invalid
/// when neither works; HDF5's error stack then says why the plain open failed. Metadata whose
/// checksum fails is read again a bounded number of times, so a damaged file fails at once.
handle open_to_read(const std::string& path, bool* is_swmr_read = nullptr);

/// Whether the file at `path` was left open for writing by a writer that is gone: HDF5's
/// "file is already open for write" status flags are set in its superblock.
bool has_writer_flags(const std::string& path);

/// Clears the status flags a killed writer left in the superblock of the file at `path`, as
/// `h5clear -s` does; false when HDF5 cannot open the file to do it (the error stack says why).
bool clear_writer_flags(const std::string& path);

/// The size in bytes of the file that `object` (a file, group, dataset or attribute) is in; 0
/// when HDF5 cannot say. What a file declares (rows, string lengths) cannot be larger.
hsize_t file_size(hid_t object);

}  // namespace taskhub::detail::hdf5
