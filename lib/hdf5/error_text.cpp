// SPDX-License-Identifier: MIT
// Part of taskhub.
// HDF5's error stack as one line of text.
#include "hdf5/error_text.hpp"

#include <hdf5.h>

#include <algorithm>

namespace taskhub::detail::hdf5 {

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string error_text() {
  std::string text;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        auto& t = *static_cast<std::string*>(out);
        if (t.empty() && e->desc) t = e->desc;
        return 0;
      },
      &text);
  H5Eclear2(H5E_DEFAULT);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.empty() ? "unknown HDF5 error" : text;
}

}  // namespace taskhub::detail::hdf5
