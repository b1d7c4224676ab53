// SPDX-License-Identifier: MIT
// Part of taskhub.
// An HDF5 identifier that closes itself with the close function of its kind.
#include "hdf5/handle.hpp"

#include <utility>

namespace taskhub::detail::hdf5 {

handle& handle::operator=(handle&& o) noexcept {
  if (this != &o) {
    close();
    std::swap(id_, o.id_);
  }
  return *this;
}

bool handle::close() {
  if (id_ < 0) return true;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  struct closer {
    H5I_type_t kind;
    herr_t (*close)(hid_t);
  };
  static const closer closers[] = {{H5I_FILE, H5Fclose},     {H5I_GROUP, H5Gclose},
                                   {H5I_DATASET, H5Dclose},  {H5I_ATTR, H5Aclose},
                                   {H5I_DATATYPE, H5Tclose}, {H5I_DATASPACE, H5Sclose},
                                   {H5I_GENPROP_LST, H5Pclose}};
  const H5I_type_t kind = H5Iget_type(id);
  for (const auto& c : closers)
    if (c.kind == kind) return c.close(id) >= 0;
  return H5Idec_ref(id) >= 0;
}

}  // namespace taskhub::detail::hdf5
