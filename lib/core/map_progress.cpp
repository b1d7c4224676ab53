// SPDX-License-Identifier: MIT
// Part of taskhub.
// The built-in display of a map's progress on stderr.
#include "taskhub/map_progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace taskhub {

void show_map_progress(const map_progress& p) {
  char line[160];
  int n = std::snprintf(line, sizeof line, "map: %zu/%zu%s done", p.done, p.total,
                        p.is_total_known ? "" : "+");
  const auto add = [&](const char* format, auto... values) {
    if (n >= 0 && static_cast<std::size_t>(n) < sizeof line)
      n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), format, values...);
  };
  if (p.failed > 0) add(", %zu failed", p.failed);
  add(", %.1f s", p.elapsed);
  if (p.is_total_known && p.done > 0 && p.done < p.total)
    add(", about %.0f s left",
        p.elapsed / static_cast<double>(p.done) * static_cast<double>(p.total - p.done));
  static const bool is_terminal = ::isatty(STDERR_FILENO) == 1;
  if (is_terminal)
    std::fprintf(stderr, "\r\x1b[K%s%s", line, p.is_finished() ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line);
  std::fflush(stderr);
}

}  // namespace taskhub
