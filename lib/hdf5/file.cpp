// SPDX-License-Identifier: MIT
// Part of taskhub.
// Creating and opening HDF5 files.
#include "hdf5/file.hpp"

namespace taskhub::detail::hdf5 {

handle create_file(const std::string& path, bool is_swmr_ready) {
  handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (is_swmr_ready) H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  return handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
}

handle open_to_read(const std::string& path, bool* is_swmr_read) {
  handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (file) return file;
  const hid_t plain_failure = H5Eget_current_stack();
  file = handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT));
  if (file) {
    H5Eclose_stack(plain_failure);
    if (is_swmr_read) *is_swmr_read = true;
  } else {
    H5Eset_current_stack(plain_failure);
  }
  return file;
}

}  // namespace taskhub::detail::hdf5
