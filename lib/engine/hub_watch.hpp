// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's watch on the hub's process, when both share a host: if the hub dies and the
// launcher lets the engines run on (`mpirun --enable-recovery`), nobody would ever tell them to
// stop, so the engine says so and ends.
#pragma once

#include <string>
#include <thread>

#include "core/process_watch.hpp"

namespace taskhub::detail {

class hub_watch {
 public:
  /// Watches `hub_pid` (which runs on `hub_host`) from engine `rank`; does nothing when the hub
  /// runs on another host.
  hub_watch(int rank, const std::string& hub_host, long hub_pid);
  ~hub_watch();
  hub_watch(const hub_watch&) = delete;
  hub_watch& operator=(const hub_watch&) = delete;

 private:
  process_watch hub_;
  std::thread thread_;
};

}  // namespace taskhub::detail
