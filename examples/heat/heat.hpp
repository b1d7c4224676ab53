// SPDX-License-Identifier: MIT
// Part of taskhub.
// A 2D heat equation relaxed by Jacobi steps, as a partition-kernel problem: the grid is split
// into bands of rows; each band needs its neighbours' edge rows every step. The top edge is held
// at 1, the other edges at 0.
#pragma once

#include <boost/serialization/vector.hpp>
#include <chrono>
#include <cmath>
#include <taskhub/engine.hpp>
#include <thread>
#include <map>
#include <vector>

namespace heat {

struct settings {
  int nx = 64, ny = 64;
  int slow_engine = -1;  // an engine rank whose steps take `slow_us` longer per band (a test)
  int slow_us = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& nx& ny& slow_engine& slow_us;
  }
};

/// Rows [row0, row0 + rows) of the grid, with one ghost row above and below.
struct band {
  int index = 0, row0 = 0, rows = 0, nx = 0, ny = 0;
  int slow_engine = -1, slow_us = 0;
  std::vector<double> u;  // (rows + 2) * nx
  double& at(int r, int c) { return u[static_cast<std::size_t>((r + 1) * nx + c)]; }
  double at(int r, int c) const { return u[static_cast<std::size_t>((r + 1) * nx + c)]; }
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& index& row0& rows& nx& ny& slow_engine& slow_us& u;
  }
};

/// The fixed value of a cell on the edge of the grid.
inline double edge_value(int row, int, const settings&) { return row == 0 ? 1.0 : 0.0; }

struct jacobi {
  using settings = heat::settings;
  using piece = band;
  using boundary = std::vector<double>;

  static band partition(const settings& s, int index, int count) {
    band b;
    b.index = index;
    b.nx = s.nx;
    b.ny = s.ny;
    b.slow_engine = s.slow_engine;
    b.slow_us = s.slow_us;
    b.row0 = static_cast<int>(static_cast<long>(s.ny) * index / count);
    b.rows = static_cast<int>(static_cast<long>(s.ny) * (index + 1) / count) - b.row0;
    b.u.assign(static_cast<std::size_t>((b.rows + 2) * s.nx), 0.0);
    for (int r = 0; r < b.rows; ++r)
      if (b.row0 + r == 0)
        for (int c = 0; c < s.nx; ++c) b.at(r, c) = edge_value(0, c, s);
    return b;
  }

  static std::vector<int> neighbours(const settings&, int index, int count) {
    std::vector<int> n;
    if (index > 0) n.push_back(index - 1);
    if (index + 1 < count) n.push_back(index + 1);
    return n;
  }

  static boundary share(const band& b, int neighbour) {
    const int r = neighbour < b.index ? 0 : b.rows - 1;
    return boundary(b.u.begin() + (r + 1) * b.nx, b.u.begin() + (r + 2) * b.nx);
  }

  /// One Jacobi step of the band; returns the largest change of a cell.
  static double workunit(band& b, const std::map<int, boundary>& halos) {
    if (b.slow_us > 0 && taskhub::engine::rank() == b.slow_engine)
      std::this_thread::sleep_for(std::chrono::microseconds(b.slow_us));
    if (b.rows == 0) return 0;
    for (const auto& [from, row] : halos) {
      const int ghost = from < b.index ? -1 : b.rows;
      std::copy(row.begin(), row.end(), b.u.begin() + (ghost + 1) * b.nx);
    }
    std::vector<double> next = b.u;
    double change = 0;
    for (int r = 0; r < b.rows; ++r) {
      const int row = b.row0 + r;
      if (row == 0 || row == b.ny - 1) continue;
      for (int c = 1; c < b.nx - 1; ++c) {
        const double v = 0.25 * (b.at(r - 1, c) + b.at(r + 1, c) + b.at(r, c - 1) + b.at(r, c + 1));
        change = std::max(change, std::fabs(v - b.at(r, c)));
        next[static_cast<std::size_t>((r + 1) * b.nx + c)] = v;
      }
    }
    b.u.swap(next);
    return change;
  }
};

/// The same relaxation on the whole grid in one piece of plain code, for comparison.
inline std::vector<double> serial(const settings& s, int steps, double tolerance, int* steps_run) {
  std::vector<double> u(static_cast<std::size_t>(s.nx * s.ny), 0.0), next;
  auto at = [&](std::vector<double>& g, int r, int c) -> double& {
    return g[static_cast<std::size_t>(r * s.nx + c)];
  };
  for (int c = 0; c < s.nx; ++c) at(u, 0, c) = edge_value(0, c, s);
  int step = 1;
  for (; step <= steps; ++step) {
    next = u;
    double change = 0;
    for (int r = 1; r < s.ny - 1; ++r)
      for (int c = 1; c < s.nx - 1; ++c) {
        const double v = 0.25 * (at(u, r - 1, c) + at(u, r + 1, c) + at(u, r, c - 1) + at(u, r, c + 1));
        change = std::max(change, std::fabs(v - at(u, r, c)));
        at(next, r, c) = v;
      }
    u.swap(next);
    if (change <= tolerance) break;
  }
  if (steps_run) *steps_run = std::min(step, steps);
  return u;
}

/// The grid of the pieces, row after row.
inline std::vector<double> grid_of(const std::vector<band>& bands) {
  std::vector<double> g;
  for (const auto& b : bands) g.insert(g.end(), b.u.begin() + b.nx, b.u.end() - b.nx);
  return g;
}

}  // namespace heat
