// SPDX-License-Identifier: MIT
// Part of taskhub.
// One point of the scaling benchmark, and the line that carries it.
#include "scale_point.hpp"

#include <algorithm>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "workloads.hpp"

namespace taskhub_bench {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int metg_tasks_per_engine(bool is_quick) { return is_quick ? 4 : 16; }

// METG's sweep from 1 ms, between 1/16 ms and 256 ms; a duration's efficiency is the better of
// two runs (a busy machine only ever slows a run).
metg_sweep sweep(const std::function<double(double)>& run_once, bool is_quick) {
  return find_metg(
      [&](double ms) {
        double best = 0;
        for (int run = 0; run < (is_quick ? 1 : 2); ++run) best = std::max(best, run_once(ms));
        return best;
      },
      1.0, 1.0 / 16, 256, is_quick ? 0 : 2);
}

}  // namespace

metg_sweep measure_raw_metg(MPI_Comm comm, bool is_quick, int inflight) {
  int rank = 0, size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const int tasks = (size - 1) * metg_tasks_per_engine(is_quick);
  double ms = 0;
  if (rank != 0) {
    for (;;) {
      MPI_Bcast(&ms, 1, MPI_DOUBLE, 0, comm);
      if (ms <= 0) return {};
      raw_sleeps(comm, tasks, ms, inflight);
    }
  }
  const metg_sweep s = sweep(
      [&](double wanted) {
        ms = wanted;
        MPI_Bcast(&ms, 1, MPI_DOUBLE, 0, comm);
        return raw_sleeps(comm, tasks, ms, inflight);
      },
      is_quick);
  ms = 0;
  MPI_Bcast(&ms, 1, MPI_DOUBLE, 0, comm);
  return s;
}

int scale_w1_tasks(bool is_quick) { return is_quick ? 2000 : 20000; }

scale_figures measure_scale_point(taskhub::hub& hub, int ranks, bool is_quick, int reps, double raw_w1) {
  scale_figures f;
  f.ranks = ranks;
  f.raw_w1 = raw_w1;
  f.engines = static_cast<int>(hub.engines().size());
  std::vector<double> w1, sent, received, w3;
  for (int r = 0; r < reps; ++r) {
    const w1_figures one = run_w1(hub, scale_w1_tasks(is_quick));
    w1.push_back(one.tasks_per_second);
    sent.push_back(one.sent);
    received.push_back(one.received);
    w3.push_back(run_w3(hub, is_quick ? 100 : 400));
  }
  f.w1 = median(w1);
  f.w1_sent = median(sent);
  f.w1_received = median(received);
  f.w3 = median(w3);
  const int tasks = f.engines * metg_tasks_per_engine(is_quick);
  f.metg = sweep([&](double ms) { return run_sleeps(hub, tasks, ms); }, is_quick);
  return f;
}

std::string to_line(const scale_figures& f) {
  char text[512];
  std::snprintf(text, sizeof text,
                "scale-point ranks=%d engines=%d w1=%.1f raw_w1=%.1f sent=%.2f received=%.2f w3=%.4f "
                "metg=%.4f floor=%d raw_metg=%.4f raw_floor=%d sweep=",
                f.ranks, f.engines, f.w1, f.raw_w1, f.w1_sent, f.w1_received, f.w3, f.metg.ms,
                f.metg.is_at_floor ? 1 : 0, f.raw_metg.ms, f.raw_metg.is_at_floor ? 1 : 0);
  std::string line = text;
  for (const metg_sweep* s : {&f.metg, &f.raw_metg}) {
    if (s == &f.raw_metg) line += " raw_sweep=";
    for (std::size_t i = 0; i < s->points.size(); ++i) {
      std::snprintf(text, sizeof text, "%s%.4f:%.3f", i ? "," : "", s->points[i].ms, s->points[i].efficiency);
      line += text;
    }
  }
  return line;
}

bool from_line(const std::string& output, scale_figures& f) {
  const std::size_t at = output.find("scale-point ");
  if (at == std::string::npos) return false;
  std::istringstream words(output.substr(at + 12, output.find('\n', at) - at - 12));
  std::string word;
  int seen = 0;
  while (words >> word) {
    const std::size_t eq = word.find('=');
    if (eq == std::string::npos) return false;
    const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    const double x = std::atof(value.c_str());
    ++seen;
    if (key == "ranks") f.ranks = static_cast<int>(x);
    else if (key == "engines") f.engines = static_cast<int>(x);
    else if (key == "w1") f.w1 = x;
    else if (key == "raw_w1") f.raw_w1 = x;
    else if (key == "sent") f.w1_sent = x;
    else if (key == "received") f.w1_received = x;
    else if (key == "w3") f.w3 = x;
    else if (key == "metg") f.metg.ms = x;
    else if (key == "floor") f.metg.is_at_floor = x != 0;
    else if (key == "raw_metg") f.raw_metg.ms = x;
    else if (key == "raw_floor") f.raw_metg.is_at_floor = x != 0;
    else if (key == "sweep" || key == "raw_sweep") {
      std::istringstream points(value);
      std::string point;
      while (std::getline(points, point, ',')) {
        const std::size_t colon = point.find(':');
        if (colon == std::string::npos) return false;
        (key == "sweep" ? f.metg : f.raw_metg).points.push_back(
            {std::atof(point.c_str()), std::atof(point.c_str() + colon + 1)});
      }
    } else {
      --seen;
    }
  }
  return seen == 13 && f.engines > 0;
}

}  // namespace taskhub_bench
