// SPDX-License-Identifier: MIT
// Part of taskhub.
// Running a taskhub program: the same binary on every rank, the hub on rank 0.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <type_traits>
#include <utility>

#include "taskhub/hub.hpp"
#include "taskhub/scheme.hpp"

namespace taskhub {

/// The default high-water mark: most tasks outstanding on one engine.
inline constexpr int default_hwm = 16;

/// Options of a run. `run` also reads `--taskhub-engines=N`, `--taskhub-hwm=N`,
/// `--taskhub-scheme=NAME` and the journal flags from the command line, or TASKHUB_ENGINES,
/// TASKHUB_HWM, TASKHUB_SCHEME, ... from the environment; values set here win.
struct run_options {
  /// Engine threads in single-process mode (0: one per hardware thread).
  int local_engines = 0;
  /// Most tasks outstanding on one engine (0: no limit); -1 keeps the default.
  int hwm = -1;
  /// The scheduling scheme (null: by name from the command line or environment, else leastload).
  std::shared_ptr<taskhub::scheme> scheme;
  /// Tags an engine advertises, given its rank, added to those in TASKHUB_ENGINE_TAGS
  /// (comma-separated). Tasks can require tags (task_options::require_tags).
  std::function<std::vector<std::string>(int rank)> engine_tags;
  /// Path of the HDF5 task journal (doc/journal.md); empty: `--taskhub-journal=PATH` or
  /// TASKHUB_JOURNAL, else none.
  std::string journal;
  /// Answer tasks an earlier run finished from the journal (also `--taskhub-resume`,
  /// TASKHUB_RESUME=1); failed ones too unless `retry_failed` (`--taskhub-resume=retry-failed`).
  bool resume = false;
  bool retry_failed = false;
  /// On resume, serve results that another build of the program stored (also
  /// `--taskhub-accept-rebuild`, TASKHUB_ACCEPT_REBUILD=1); without it such a resume is refused.
  bool accept_rebuild = false;
};

/// The program's arguments without taskhub's own flags (`--taskhub-*`), argv[0] first: read your
/// positional arguments from these, so `prog out.pgm --taskhub-journal=j.h5` gives "out.pgm".
/// An unknown `--taskhub-*` flag or a bad value stops run() before any task, with one line and
/// exit code 2.
std::vector<std::string> arguments(int argc, char** argv);

/// For a program that starts MPI itself before run(): starts the process that forks the runners of
/// isolated tasks when `--taskhub-isolate` (or TASKHUB_ISOLATE) asks for them, since forking a
/// process that runs MPI is unsafe. Call it first in main, before MPI_Init; otherwise it does
/// nothing. See doc/guide.md, "Isolated tasks".
void start_runners(int argc, char** argv);

namespace detail {
int run_hub(int argc, char** argv, const run_options& opts, const std::function<int(hub&)>& fn);
}

/// Runs a taskhub program on every rank: rank 0 calls `fn(hub&)` while the hub thread schedules
/// its tasks; every other rank serves tasks as an engine until `fn` returns. Every rank returns
/// the same exit code: `fn`'s (0 if it returns void), or non-zero if it threw. Without mpirun,
/// or with one rank, engines are local threads.
///
/// ```
/// int main(int argc, char** argv) {
///   return taskhub::run(argc, argv, [](taskhub::hub& hub) { hub.apply<&work>(42).get(); });
/// }
/// ```
template <class Fn>
int run(int argc, char** argv, Fn&& fn, const run_options& opts = {}) {
  using R = std::invoke_result_t<Fn&, hub&>;
  static_assert(std::is_void_v<R> || std::is_convertible_v<R, int>,
                "The function given to taskhub::run must return void or an exit code.");
  return detail::run_hub(argc, argv, opts, [&fn](hub& h) -> int {
    if constexpr (std::is_void_v<R>) {
      fn(h);
      return 0;
    } else {
      return static_cast<int>(fn(h));
    }
  });
}

}  // namespace taskhub
