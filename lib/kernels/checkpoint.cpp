// SPDX-License-Identifier: MIT
// Part of taskhub.
// Dataflow checkpoints in HDF5.
#include "kernels/checkpoint.hpp"

#include <hdf5.h>

#include <cstdio>
#include <mutex>

#include "hdf5/attribute.hpp"
#include "hdf5/error_text.hpp"
#include "hdf5/file.hpp"
#include "hdf5/handle.hpp"
#include "hdf5/lock.hpp"
#include "hdf5/table.hpp"
#include "taskhub/error.hpp"

namespace taskhub::kernels::detail {
namespace {

namespace hdf5 = taskhub::detail::hdf5;

constexpr const char* checkpoint_format = "taskhub-dataflow-checkpoint";

// Returns false when HDF5 failed.
bool write_bytes(hid_t file, const std::string& name, const std::string& data) {
  const hsize_t n = data.size();
  hdf5::handle space(H5Screate_simple(1, &n, nullptr));
  hdf5::handle set(H5Dcreate2(file, name.c_str(), H5T_NATIVE_UINT8, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT));
  bool is_ok = space && set;
  if (is_ok && n > 0)
    is_ok = H5Dwrite(set.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0;
  return set.close() && is_ok;
}

std::string read_bytes(hid_t file, const std::string& name) {
  const auto data = hdf5::table<char>(name, hdf5::handle(H5Tcopy(H5T_NATIVE_UINT8))).read(file);
  return std::string(data.begin(), data.end());
}

long read_long(hid_t file, const char* name) {
  long value = 0;
  if (!hdf5::read_attribute(file, name, H5T_NATIVE_LONG, &value))
    throw error(std::string("no attribute ") + name);
  return value;
}

}  // namespace

void write_checkpoint(const std::string& path, const checkpoint& c) {
  std::lock_guard<std::mutex> lock(taskhub::detail::hdf5_mutex());
  const std::string fresh = path + ".writing";
  hdf5::silence_errors();
  hdf5::handle file = hdf5::create_file(fresh, false);
  if (!file) throw error("dataflow checkpoint " + path + ": cannot create " + fresh);
  bool is_ok = hdf5::write_text_attribute(file.get(), "format", checkpoint_format) &&
               hdf5::write_attribute(file.get(), "next_item", H5T_NATIVE_LONG, &c.next_item) &&
               hdf5::write_attribute(file.get(), "batches", H5T_NATIVE_LONG, &c.batches) &&
               write_bytes(file.get(), "outputs", c.outputs);
  for (const auto& [stage, data] : c.stage_states)
    is_ok = is_ok && write_bytes(file.get(), "stage_" + std::to_string(stage), data);
  is_ok = file.close() && is_ok;
  if (!is_ok) {
    std::remove(fresh.c_str());
    throw error("dataflow checkpoint " + path + ": writing " + fresh + " failed (disk full?); the "
                "previous checkpoint is kept");
  }
  if (std::rename(fresh.c_str(), path.c_str()) != 0)
    throw error("dataflow checkpoint " + path + ": cannot rename " + fresh + " over it");
}

std::optional<checkpoint> read_checkpoint(const std::string& path, int stage_count) {
  std::lock_guard<std::mutex> lock(taskhub::detail::hdf5_mutex());
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    return std::nullopt;
  }
  hdf5::silence_errors();
  const hdf5::handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file) throw error("dataflow checkpoint " + path + ": not an HDF5 file, or damaged");
  checkpoint c;
  try {
    if (H5Aexists(file.get(), "format") <= 0) throw error("not a dataflow checkpoint");
    c.next_item = read_long(file.get(), "next_item");
    c.batches = read_long(file.get(), "batches");
    c.outputs = read_bytes(file.get(), "outputs");
    for (int s = 0; s < stage_count; ++s) {
      const std::string name = "stage_" + std::to_string(s);
      if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0)
        c.stage_states[s] = read_bytes(file.get(), name);
    }
  } catch (const std::runtime_error& e) {
    throw error("dataflow checkpoint " + path + ": " + e.what());
  }
  return c;
}

}  // namespace taskhub::kernels::detail
