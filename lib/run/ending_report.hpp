// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the hub says when the run is ended from outside: which engines are gone, and what each
// engine was running.
#pragma once

#include <string>
#include <vector>

namespace taskhub::detail {

class hub_core;

/// Where an engine runs.
struct engine_place {
  int rank = -1;
  std::string host;
  long pid = -1;
};

/// The lines (without "taskhub: ") that say why the run ends and, per engine, whether its
/// process is gone (known for engines on `this_host` only) and the task it was running. Call on
/// the hub thread.
std::vector<std::string> ending_report(const hub_core& core, const std::vector<engine_place>& places,
                                       const std::string& this_host);

}  // namespace taskhub::detail
