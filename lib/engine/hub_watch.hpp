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
  /// Watches `hub_pid` (on `hub_node`) from engine `rank`; 0 when the hub runs on another node.
  hub_watch(int rank, long hub_pid, const std::string& hub_node);
  ~hub_watch();
  hub_watch(const hub_watch&) = delete;
  hub_watch& operator=(const hub_watch&) = delete;

 private:
  process_watch hub_;
  std::thread thread_;
};

}  // namespace taskhub::detail
