// SPDX-License-Identifier: MIT
// Part of taskhub.
// Creating and opening HDF5 files.
#include "hdf5/file.hpp"

namespace taskhub::detail::hdf5 {

namespace {

// How often a SWMR reader reads a piece of metadata whose checksum fails before it gives up.
// HDF5 doubles its nap after each attempt, starting at a nanosecond: its default of 100 sleeps
// for ages on a damaged file, 24 for about 10 ms, enough to outwait a writer's flush.
constexpr unsigned metadata_read_attempts = 24;

}  // namespace

handle create_file(const std::string& path, bool is_swmr_ready) {
  handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (is_swmr_ready) H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  return handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
}

handle open_to_read(const std::string& path, bool* is_swmr_read) {
  handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_metadata_read_attempts(fapl.get(), metadata_read_attempts);
  handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (file) return file;
  const hid_t plain_failure = H5Eget_current_stack();
  file = handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl.get()));
  fapl.close();  // before the failure is put back: every HDF5 call clears the error stack
  if (file) {
    H5Eclose_stack(plain_failure);
    if (is_swmr_read) *is_swmr_read = true;
  } else {
    H5Eset_current_stack(plain_failure);
  }
  return file;
}

hsize_t file_size(hid_t object) {
  const handle file(H5Iget_file_id(object));
  hsize_t size = 0;
  if (!file || H5Fget_filesize(file.get(), &size) < 0) return 0;
  return size;
}

}  // namespace taskhub::detail::hdf5
