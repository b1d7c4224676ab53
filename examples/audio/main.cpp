// SPDX-License-Identifier: MIT
// Part of taskhub.
// The dataflow kernel on an audio-like chain (generate -> filter -> resample -> measure, and with
// --sort a whole-stream sort and a ranking), checked against the same chain as one serial loop.
//   taskhub-audio [--items=N] [--sort] [--window=N] [--slow-measure=US] [--unordered]
//                 [--checkpoint=PATH --every=N] [--restore] [--bench]
#include <taskhub/kernels/dataflow.hpp>
#include <taskhub/taskhub.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "audio.hpp"

using chain = taskhub::kernels::pipeline<audio::settings, audio::generate, audio::filter,
                                         audio::resample, audio::measure>;
using sorted_chain = taskhub::kernels::pipeline<audio::settings, audio::generate, audio::filter,
                                                audio::resample, audio::measure,
                                                audio::by_loudness, audio::rank_them>;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The slowest stage alone over every item: the bound of a pipeline's throughput.
double slowest_stage_alone(const audio::settings& s, long items) {
  audio::generate g(s);
  audio::filter f;
  audio::resample r;
  audio::measure m(s);
  std::vector<audio::block> made, filtered, halved;
  std::vector<audio::measurement> measured;
  double times[4] = {0, 0, 0, 0};
  auto timed = [&](int stage, auto&& work) {
    const auto t = std::chrono::steady_clock::now();
    work();
    times[stage] += seconds_since(t);
  };
  for (long i = 0; i < items; ++i) {
    made.clear();
    filtered.clear();
    halved.clear();
    timed(0, [&] { g(i, made); });
    timed(1, [&] { f(made.front(), filtered); });
    timed(2, [&] { r(filtered.front(), halved); });
    timed(3, [&] { m(halved.front(), measured); });
  }
  return *std::max_element(times, times + 4);
}

}  // namespace

int main(int argc, char** argv) {
  audio::settings s;
  taskhub::kernels::dataflow_options o;
  o.items = 400;
  o.costs = {1, 1, 4, 1};  // the FIR resampler costs most
  bool is_sorted = false, is_bench = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = std::strchr(a, '=') ? std::strchr(a, '=') + 1 : "";
    if (!std::strncmp(a, "--items=", 8)) o.items = std::atol(v);
    else if (!std::strcmp(a, "--sort")) is_sorted = true;
    else if (!std::strncmp(a, "--window=", 9)) o.window = std::atoi(v);
    else if (!std::strncmp(a, "--slow-measure=", 15)) s.slow_measure_us = std::atoi(v);
    else if (!std::strcmp(a, "--unordered")) o.is_ordered = false;
    else if (!std::strncmp(a, "--checkpoint=", 13)) o.checkpoint_path = v;
    else if (!std::strncmp(a, "--every=", 8)) o.checkpoint_every = std::atol(v);
    else if (!std::strcmp(a, "--restore")) o.restore = true;
    else if (!std::strcmp(a, "--bench")) is_bench = true;
  }
  if (is_sorted) o.costs = {1, 1, 4, 1, 1, 1};
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    const auto start = std::chrono::steady_clock::now();
    const auto result = is_sorted ? taskhub::kernels::dataflow<sorted_chain>(hub, s, o)
                                  : taskhub::kernels::dataflow<chain>(hub, s, o);
    const double pipeline_s = seconds_since(start);
    const auto serial_start = std::chrono::steady_clock::now();
    auto expected = audio::serial(s, o.items, is_sorted);
    const double serial_s = seconds_since(serial_start);
    auto got = result.outputs;
    if (!o.is_ordered) {
      auto by_index = [](const auto& a, const auto& b) { return a.index < b.index; };
      std::sort(got.begin(), got.end(), by_index);
    }
    const bool is_equal = got == expected;
    std::string placement;
    for (const auto& level : result.placement) {
      placement += placement.empty() ? "[" : " [";
      for (std::size_t k = 0; k + 1 < level.size(); ++k) placement += (k ? "," : "") + std::to_string(level[k]);
      placement += " x" + std::to_string(-level.back()) + "]";
    }
    std::printf("audio: %ld blocks, %zu outputs on %zu engines, stages %s, first item %ld, "
                "%d checkpoints, at most %ld messages held by a stage; %s\n",
                o.items, got.size(), hub.engines().size(), placement.c_str(), result.first_item,
                result.checkpoints, result.peak_held,
                is_equal ? "equal to the serial chain" : "DIFFERENT from the serial chain");
    if (is_bench) {
      const double bound = slowest_stage_alone(s, o.items);
      std::printf("audio-bench: pipeline %.3f s (%.0f blocks/s), serial chain %.3f s (%.0f blocks/s), "
                  "slowest stage alone %.3f s (%.0f blocks/s); pipeline/serial %.2f, "
                  "pipeline/slowest stage %.2f\n",
                  pipeline_s, o.items / pipeline_s, serial_s, o.items / serial_s, bound, o.items / bound,
                  serial_s / pipeline_s, bound / pipeline_s);
    }
    return is_equal ? 0 : 1;
  });
}
