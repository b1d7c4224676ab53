// SPDX-License-Identifier: MIT
// Part of taskhub.
// Switching Open MPI's idle yield off while taskhub's own loops wait.
#include "transport/mpi_yield.hpp"

#include <dlfcn.h>

#include <cstdlib>

namespace taskhub::detail {
namespace {

// Open MPI's own switch (libopen-pal), found at run time; absent in other MPIs.
struct open_mpi_switch {
  using setter = bool (*)(bool);
  setter set = nullptr;
  bool chosen = false;  // the value Open MPI chose at start-up
  open_mpi_switch() {
    if (std::getenv("OMPI_MCA_mpi_yield_when_idle")) return;  // the user decided
    set = reinterpret_cast<setter>(dlsym(RTLD_DEFAULT, "opal_progress_set_yield_when_idle"));
    const auto* current = static_cast<const bool*>(dlsym(RTLD_DEFAULT, "opal_progress_yield_when_idle"));
    if (!current) set = nullptr;
    if (set) chosen = *current;
  }
};

open_mpi_switch& the_switch() {
  static open_mpi_switch s;
  return s;
}

}  // namespace

void mpi_idle_yield_off() {
  if (auto& s = the_switch(); s.set) s.set(false);
}

void mpi_idle_yield_restore() {
  if (auto& s = the_switch(); s.set) s.set(s.chosen);
}

}  // namespace taskhub::detail
