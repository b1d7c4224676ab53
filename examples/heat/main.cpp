// SPDX-License-Identifier: MIT
// Part of taskhub.
// The partition kernel on a 2D heat equation: the grid relaxes over the engines, bands of rows
// exchanging their edges engine to engine, until the largest change is below a tolerance; the
// result must equal the serial relaxation bit for bit.
//   taskhub-heat [NX NY PIECES MAX_STEPS TOLERANCE [SLOW_ENGINE SLOW_US]]
// With SLOW_ENGINE, that engine takes SLOW_US longer per band and step: its bands should move to
// the other engines.
#include <taskhub/kernels/partition.hpp>
#include <taskhub/taskhub.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "heat.hpp"

int main(int argc, char** argv) {
  const auto args = taskhub::arguments(argc, argv);  // without --taskhub-* flags
  heat::settings s;
  taskhub::kernels::partition_options o;
  s.nx = args.size() > 1 ? std::atoi(args[1].c_str()) : 128;
  s.ny = args.size() > 2 ? std::atoi(args[2].c_str()) : 128;
  o.pieces = args.size() > 3 ? std::atoi(args[3].c_str()) : 8;
  o.max_steps = args.size() > 4 ? std::atoi(args[4].c_str()) : 2000;
  o.tolerance = args.size() > 5 ? std::atof(args[5].c_str()) : 1e-4;
  s.slow_engine = args.size() > 7 ? std::atoi(args[6].c_str()) : -1;
  s.slow_us = args.size() > 7 ? std::atoi(args[7].c_str()) : 0;
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    const auto start = std::chrono::steady_clock::now();
    const auto result = taskhub::kernels::partition<heat::jacobi>(hub, s, o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    int serial_steps = 0;
    const auto serial_start = std::chrono::steady_clock::now();
    const auto expected = heat::serial(s, o.max_steps, o.tolerance, &serial_steps);
    const double serial_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - serial_start).count();
    const bool is_equal = heat::grid_of(result.pieces) == expected && result.steps == serial_steps;
    std::printf("heat: %dx%d grid, %d pieces on %zu engines: %d steps, residual %.3g, %.3f s "
                "(kernel %.3f s, exchange %.0f%%; serial %.3f s); %s\n",
                s.nx, s.ny, o.pieces, hub.engines().size(), result.steps, result.residual, seconds,
                result.seconds, 100 * result.exchange_seconds / std::max(result.seconds, 1e-9), serial_seconds,
                is_equal ? "equal to the serial relaxation" : "DIFFERENT from the serial relaxation");
    std::string held;
    for (const auto& [rank, n] : result.pieces_per_engine)
      held += " " + std::to_string(rank) + ":" + std::to_string(n);
    std::printf("heat: %d moves; bands per engine:%s\n", result.moves, held.c_str());
    if (s.slow_engine > 0 && hub.engines().size() > 1) {
      const auto found = result.pieces_per_engine.find(s.slow_engine);
      const int slow = found == result.pieces_per_engine.end() ? 0 : found->second;
      const bool is_lighter = slow * static_cast<int>(hub.engines().size()) < o.pieces;
      std::printf("heat: the slow engine %d holds %d of %d bands: %s\n", s.slow_engine, slow, o.pieces,
                  is_lighter ? "fewer than its share" : "NOT fewer than its share");
      if (!is_lighter) return 1;
    }
    return is_equal ? 0 : 1;
  });
}
