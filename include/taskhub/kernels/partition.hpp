// SPDX-License-Identifier: MIT
// Part of taskhub.
// The partition kernel: a domain split into pieces that advance step by step and exchange
// boundaries with their neighbours directly, engine to engine.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/engine.hpp"
#include "taskhub/hub.hpp"

namespace taskhub::kernels {

/// How a partition kernel runs.
struct partition_options {
  int pieces = 0;         // pieces of the domain (0: one per engine); more than engines is fine
  int max_steps = 100;    // steps at most
  double tolerance = -1;  // stop after the first step whose largest residual is <= this (< 0: never)
  int rebalance_every = 10;  // steps between moves of pieces to faster engines (0: never)

  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& pieces& max_steps& tolerance& rebalance_every;
  }
};

/// The pieces after the last step, in piece order, with the steps run and the last residual.
template <class Piece>
struct partition_result {
  std::vector<Piece> pieces;
  int steps = 0;
  double residual = 0;
  double exchange_seconds = 0;  // the most any engine spent exchanging and reducing
  double seconds = 0;           // the kernel's wall time, on the engines
  std::map<int, int> pieces_per_engine;  // by engine rank, after the last step
  int moves = 0;                // pieces that moved to a faster engine during the run
};

namespace detail {

using taskhub::detail::bytes;

/// Sends `out[peer]` to each peer and receives one message from each engine in `from`, on the
/// engines' communicator. Compiled in the runtime.
std::map<int, bytes> transfer(MPI_Comm comm, const std::map<int, bytes>& out, const std::vector<int>& from);
/// The owners of the pieces after this step's rebalancing: every engine tells the others how long
/// its pieces took (`busy_seconds`) and all compute the same new map, moving pieces from slow
/// engines to fast ones when the slowest took 15% more than the mean.
std::vector<int> rebalanced(MPI_Comm comm, const std::vector<int>& owner, double busy_seconds);
/// The largest `value` over the engines of `comm`.
double max_over(MPI_Comm comm, double value);

struct piece_run {
  std::vector<std::pair<int, std::string>> pieces;  // index, encoded piece
  int steps = 0;
  double residual = 0;
  double exchange_seconds = 0, seconds = 0;
  int moves = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& pieces& steps& residual& exchange_seconds& seconds& moves;
  }
};

// The task every engine runs: it builds its own pieces (index % engines == its place), then steps
// them, exchanging boundaries with the engines that hold their neighbours, and every
// `rebalance_every` steps hands pieces from slower engines to faster ones.
template <class Problem>
piece_run run_pieces(const typename Problem::settings& s, const partition_options& o, int first_engine) {
  using piece = typename Problem::piece;
  using boundary = typename Problem::boundary;
  MPI_Comm comm = MPI_COMM_NULL;
  int place = 0, engines = 1;
  try {
    comm = taskhub::engine::comm();
    MPI_Comm_rank(comm, &place);
    MPI_Comm_size(comm, &engines);
  } catch (const taskhub::error&) {
    if (taskhub::engine::rank() != first_engine) return {};  // engines are threads: one does all
  }
  const int count = o.pieces > 0 ? o.pieces : engines;
  std::vector<int> owners(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) owners[static_cast<std::size_t>(i)] = i % engines;
  auto owner = [&](int index) { return owners[static_cast<std::size_t>(index)]; };
  std::map<int, piece> mine;
  for (int i = place; i < count; i += engines) mine.emplace(i, Problem::partition(s, i, count));
  double busy = 0;  // seconds in workunit since the last rebalancing

  piece_run run;
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  auto seconds_since = [](clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
  };
  for (run.steps = 1; run.steps <= o.max_steps; ++run.steps) {
    std::map<int, std::map<int, boundary>> halos;  // by receiving piece, then sending piece
    std::map<int, bytes> out;
    for (const auto& [index, p] : mine) {
      for (int n : Problem::neighbours(s, index, count)) {
        if (owner(n) == place) {
          halos[n][index] = Problem::share(p, n);
        } else {
          auto& buffer = out[owner(n)];
          taskhub::detail::encode(buffer, n);
          taskhub::detail::encode(buffer, index);
          taskhub::detail::encode(buffer, Problem::share(p, n));
        }
      }
    }
    const auto exchange_started = clock::now();
    if (comm != MPI_COMM_NULL) {
      std::vector<int> from;
      for (const auto& [peer, buffer] : out) from.push_back(peer);  // neighbours are symmetric
      for (auto& [peer, buffer] : kernels::detail::transfer(comm, out, from)) {
        taskhub::detail::reader in(buffer.data(), buffer.size());
        while (in.remaining() > 0) {
          const int to = taskhub::detail::decode<int>(in);
          const int from = taskhub::detail::decode<int>(in);
          halos[to][from] = taskhub::detail::decode<boundary>(in);
        }
      }
    }
    run.exchange_seconds += seconds_since(exchange_started);
    double residual = 0;
    const auto work_started = clock::now();
    for (auto& [index, p] : mine) residual = std::max(residual, Problem::workunit(p, halos[index]));
    busy += seconds_since(work_started);
    const auto reduce_started = clock::now();
    run.residual = comm != MPI_COMM_NULL ? max_over(comm, residual) : residual;
    run.exchange_seconds += seconds_since(reduce_started);
    if (run.residual <= o.tolerance) break;
    // Over-decomposition: pieces move from slow engines to fast ones.
    if (comm != MPI_COMM_NULL && o.rebalance_every > 0 && count > engines &&
        run.steps % o.rebalance_every == 0 && run.steps < o.max_steps) {
      const auto next = rebalanced(comm, owners, busy);
      busy = 0;
      std::map<int, bytes> moving;
      std::vector<int> from;
      for (int i = 0; i < count; ++i) {
        const int was = owners[static_cast<std::size_t>(i)], now = next[static_cast<std::size_t>(i)];
        if (was == now) continue;
        ++run.moves;
        if (was == place) {
          taskhub::detail::encode(moving[now], i);
          taskhub::detail::encode(moving[now], mine.at(i));
          mine.erase(i);
        }
        if (now == place && std::find(from.begin(), from.end(), was) == from.end()) from.push_back(was);
      }
      for (auto& [peer, buffer] : kernels::detail::transfer(comm, moving, from)) {
        taskhub::detail::reader in(buffer.data(), buffer.size());
        while (in.remaining() > 0) {
          const int index = taskhub::detail::decode<int>(in);
          mine.emplace(index, taskhub::detail::decode<piece>(in));
        }
      }
      owners = next;
    }
  }
  run.steps = std::min(run.steps, o.max_steps);
  run.seconds = seconds_since(started);
  for (const auto& [index, p] : mine) {
    bytes b;
    taskhub::detail::encode(b, p);
    run.pieces.emplace_back(index, std::string(b.data(), b.size()));
  }
  return run;
}

}  // namespace detail

/// Runs `Problem` on every engine at once. `Problem` is a type with
///   `settings`, `piece`, `boundary` (types taskhub can ship),
///   `static piece partition(const settings&, int index, int count)`: piece `index` of `count`,
///   `static std::vector<int> neighbours(const settings&, int index, int count)` (symmetric),
///   `static boundary share(const piece&, int neighbour)`: what a piece sends that neighbour,
///   `static double workunit(piece&, const std::map<int, boundary>& halos)`: one step of a piece
///   given its neighbours' boundaries by piece index; returns the piece's residual.
/// Pieces stay on their engine between steps (every `rebalance_every` steps some move from slow
/// engines to fast ones); boundaries go engine to engine over the engines' communicator, never
/// through the hub. Steps end after `max_steps` or once the largest
/// residual of a step (an all-reduce) is at most `tolerance`.
template <class Problem>
partition_result<typename Problem::piece> partition(hub& h, const typename Problem::settings& s,
                                                    const partition_options& o = {}) {
  auto runs = h.all().apply<&detail::run_pieces<Problem>>(s, o, h.engines().front()).get();
  partition_result<typename Problem::piece> result;
  std::vector<std::pair<int, std::string>> all;
  const auto& ranks = h.engines();
  for (std::size_t e = 0; e < runs.size(); ++e) {
    auto& r = runs[e];
    if (r.pieces.empty()) continue;
    result.pieces_per_engine[ranks[e]] = static_cast<int>(r.pieces.size());
    result.steps = r.steps;
    result.residual = r.residual;
    result.exchange_seconds = std::max(result.exchange_seconds, r.exchange_seconds);
    result.seconds = std::max(result.seconds, r.seconds);
    result.moves = std::max(result.moves, r.moves);
    for (auto& p : r.pieces) all.push_back(std::move(p));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [index, b] : all) {
    taskhub::detail::reader in(b.data(), b.size());
    result.pieces.push_back(taskhub::detail::decode<typename Problem::piece>(in));
  }
  return result;
}

}  // namespace taskhub::kernels
