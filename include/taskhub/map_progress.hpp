// SPDX-License-Identifier: MIT
// Part of taskhub.
// How far a map has come: what a progress hook is given, and the built-in display on stderr.
#pragma once

#include <cstddef>
#include <functional>

namespace taskhub {

/// How far a map has come, as its progress hook sees it.
struct map_progress {
  std::size_t done = 0;         // items finished, failed ones among them
  std::size_t failed = 0;       // items that failed
  std::size_t total = 0;        // items submitted so far: all of them once is_total_known
  bool is_total_known = false;  // the input is exhausted (always so for map, at the end for imap)
  double elapsed = 0;           // seconds since the first item was submitted
  /// Whether every item has finished: the hook's last call for this map.
  bool is_finished() const { return is_total_known && done == total; }
};

/// A map's progress hook: called on the thread that reads the map's results.
using map_progress_fn = std::function<void(const map_progress&)>;

/// The built-in display: one line on stderr, "map: 512/1000 done, 3 failed, 12.3 s, about 11 s
/// left", redrawn in place on a terminal, else written as a line of its own.
void show_map_progress(const map_progress& p);

}  // namespace taskhub
