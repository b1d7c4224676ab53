// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's watch on the process of the hub it talks to (the root, or its sub-hub in a tree),
// when both share a host: if that hub dies and the launcher lets the engines run on
// (`mpirun --enable-recovery`), nobody would ever tell them to stop, so the engine says so and
// ends.
#pragma once

#include <string>
#include <thread>

#include "core/process_watch.hpp"

namespace taskhub::detail {

class hub_watch {
 public:
  /// Watches, from engine `rank`, the process `pid` (on `node`) of rank `center`, the root (0)
  /// or a sub-hub; `pid` 0 when it runs on another node.
  hub_watch(int rank, int center, long pid, const std::string& node);
  ~hub_watch();
  hub_watch(const hub_watch&) = delete;
  hub_watch& operator=(const hub_watch&) = delete;

 private:
  process_watch hub_;
  std::thread thread_;
};

}  // namespace taskhub::detail
