// SPDX-License-Identifier: MIT
// Part of taskhub.
// Creating and opening HDF5 files.
#include "hdf5/file.hpp"

#include <cstring>
#include <fstream>

namespace taskhub::detail::hdf5 {

namespace {

// How often a SWMR reader reads a piece of metadata whose checksum fails before it gives up.
// HDF5 doubles its nap after each attempt, starting at a nanosecond: its default of 100 sleeps
// for ages on a damaged file, 24 for about 10 ms, enough to outwait a writer's flush.
constexpr unsigned metadata_read_attempts = 24;

// The superblock's status flags (format version 3): open for write, open for SWMR write.
constexpr unsigned char write_access = 0x01, swmr_write_access = 0x04;

}  // namespace

handle create_file(const std::string& path, bool is_swmr_ready) {
  handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (is_swmr_ready) H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
  if (file) return file;
  // Closing the property list would clear the error stack that says why.
  const hid_t failure = H5Eget_current_stack();
  fapl.close();
  H5Eset_current_stack(failure);
  return file;
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

// HDF5 looks for its signature at 0, 512, 1024, 2048, ... (after a user block); the superblock
// version is the byte after it and, from version 2 on, the status flags are at byte 11.
bool has_writer_flags(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const char signature[] = "\x89HDF\r\n\x1a\n";
  for (std::streamoff at = 0; in; at = at == 0 ? 512 : at * 2) {
    char head[12] = {};
    if (!in.seekg(at) || !in.read(head, sizeof head)) return false;
    if (std::memcmp(head, signature, 8) != 0) continue;
    const auto version = static_cast<unsigned char>(head[8]);
    const auto flags = static_cast<unsigned char>(head[11]);
    return version >= 3 && (flags & (write_access | swmr_write_access)) != 0;
  }
  return false;
}

bool clear_writer_flags(const std::string& path) {
  handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  // The private property h5clear sets; HDF5 registers it with every file access list.
  hbool_t is_clearing = true;
  if (H5Pexist(fapl.get(), "clear_status_flags") <= 0 ||
      H5Pset(fapl.get(), "clear_status_flags", &is_clearing) < 0)
    return false;
  handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()));
  return file && file.close();
}

hsize_t file_size(hid_t object) {
  const handle file(H5Iget_file_id(object));
  hsize_t size = 0;
  if (!file || H5Fget_filesize(file.get(), &size) < 0) return 0;
  return size;
}

}  // namespace taskhub::detail::hdf5
