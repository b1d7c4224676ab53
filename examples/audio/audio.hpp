// SPDX-License-Identifier: MIT
// Part of taskhub.
// An audio-like signal chain for the dataflow kernel: generate blocks of a two-tone signal with
// noise -> low-pass filter (a biquad whose state runs across blocks) -> resample by 2 (a FIR
// within the block) -> measure each block (RMS and peak). Optionally the measurements are sorted
// by loudness (a stage that must see the whole stream) and ranked.
#pragma once

#include <boost/serialization/vector.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

namespace audio {

struct settings {
  int block = 2048;          // samples per block
  double rate = 48000;       // samples per second
  int slow_measure_us = 0;   // extra time the measuring stage takes per block
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& block& rate& slow_measure_us;
  }
};

struct block {
  long index = 0;
  std::vector<double> samples;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& index& samples;
  }
};

struct measurement {
  long index = 0;
  double rms = 0, peak = 0;
  long rank = -1;  // place by loudness, when sorted
  bool operator==(const measurement& o) const {
    return index == o.index && rms == o.rms && peak == o.peak && rank == o.rank;
  }
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& index& rms& peak& rank;
  }
};

struct generate {
  using out = block;
  settings s;
  explicit generate(const settings& st) : s(st) {}
  void operator()(long index, std::vector<block>& emit) const {
    block b;
    b.index = index;
    b.samples.resize(static_cast<std::size_t>(s.block));
    constexpr double two_pi = 6.283185307179586;
    for (int i = 0; i < s.block; ++i) {
      const long n = index * s.block + i;
      std::uint64_t h = static_cast<std::uint64_t>(n) * 0x9E3779B97F4A7C15ull;
      h ^= h >> 31;
      const double noise = static_cast<double>(h % 2001) / 1000.0 - 1.0;
      const double loudness = 0.5 + 0.5 * std::sin(static_cast<double>(index) * 0.05);
      b.samples[static_cast<std::size_t>(i)] =
          loudness * (std::sin(two_pi * 440.0 * n / s.rate) + 0.5 * std::sin(two_pi * 9000.0 * n / s.rate)) +
          0.1 * noise;
    }
    emit.push_back(std::move(b));
  }
};

/// A second-order low-pass filter whose memory carries over from block to block.
struct filter {
  using in = block;
  using out = block;
  static constexpr bool is_stateful = true;
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  void operator()(const block& b, std::vector<block>& emit) {
    // Butterworth, cut-off at 1/12 of the sampling rate.
    constexpr double b0 = 0.0495, b1 = 0.0990, b2 = 0.0495, a1 = -1.2796, a2 = 0.4776;
    block o{b.index, std::vector<double>(b.samples.size())};
    for (std::size_t i = 0; i < b.samples.size(); ++i) {
      const double x = b.samples[i];
      const double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = x;
      y2 = y1;
      y1 = y;
      o.samples[i] = y;
    }
    emit.push_back(std::move(o));
  }
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& x1& x2& y1& y2;
  }
};

/// Half the rate: a 31-tap windowed-sinc FIR, then every other sample.
struct resample {
  using in = block;
  using out = block;
  void operator()(const block& b, std::vector<block>& emit) const {
    constexpr int taps = 31, half = taps / 2;
    static const std::vector<double> h = [] {
      std::vector<double> w(taps);
      double sum = 0;
      for (int k = 0; k < taps; ++k) {
        const double t = k - half;
        const double sinc = t == 0 ? 0.5 : std::sin(3.141592653589793 * 0.5 * t) / (3.141592653589793 * t);
        w[static_cast<std::size_t>(k)] = sinc * (0.54 - 0.46 * std::cos(6.283185307179586 * k / (taps - 1)));
        sum += w[static_cast<std::size_t>(k)];
      }
      for (auto& v : w) v /= sum;
      return w;
    }();
    const int n = static_cast<int>(b.samples.size());
    block o{b.index, std::vector<double>(static_cast<std::size_t>(n / 2))};
    for (int i = 0; i < n / 2; ++i) {
      double acc = 0;
      for (int k = 0; k < taps; ++k) {
        const int j = 2 * i + k - half;
        if (j >= 0 && j < n) acc += h[static_cast<std::size_t>(k)] * b.samples[static_cast<std::size_t>(j)];
      }
      o.samples[static_cast<std::size_t>(i)] = acc;
    }
    emit.push_back(std::move(o));
  }
};

struct measure {
  using in = block;
  using out = measurement;
  settings s;
  explicit measure(const settings& st) : s(st) {}
  void operator()(const block& b, std::vector<measurement>& emit) const {
    if (s.slow_measure_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(s.slow_measure_us));
    measurement m;
    m.index = b.index;
    for (double v : b.samples) {
      m.rms += v * v;
      m.peak = std::max(m.peak, std::fabs(v));
    }
    m.rms = std::sqrt(m.rms / static_cast<double>(b.samples.size()));
    emit.push_back(m);
  }
};

/// Loudest first: needs every measurement before it can say anything.
struct by_loudness {
  using in = measurement;
  using out = measurement;
  static constexpr bool is_whole_stream = true;
  std::vector<measurement> all;
  void collect(const measurement& m) { all.push_back(m); }
  void emit(std::vector<measurement>& out) {
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.rms > b.rms; });
    out = std::move(all);
    all.clear();
  }
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& all;
  }
};

/// Numbers the measurements in the order they come.
struct rank_them {
  using in = measurement;
  using out = measurement;
  static constexpr bool is_stateful = true;
  long next = 0;
  void operator()(const measurement& m, std::vector<measurement>& emit) {
    measurement r = m;
    r.rank = next++;
    emit.push_back(r);
  }
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& next;
  }
};

/// The chain as one plain loop, for comparison.
inline std::vector<measurement> serial(const settings& s, long items, bool is_sorted) {
  generate g(s);
  filter f;
  resample r;
  measure m(s);
  std::vector<measurement> out;
  std::vector<block> b1, b2, b3;
  for (long i = 0; i < items; ++i) {
    b1.clear();
    b2.clear();
    b3.clear();
    g(i, b1);
    for (auto& x : b1) f(x, b2);
    for (auto& x : b2) r(x, b3);
    for (auto& x : b3) m(x, out);
  }
  if (is_sorted) {
    by_loudness sorter;
    for (auto& x : out) sorter.collect(x);
    std::vector<measurement> sorted, ranked;
    sorter.emit(sorted);
    rank_them ranker;
    for (auto& x : sorted) ranker(x, ranked);
    return ranked;
  }
  return out;
}

}  // namespace audio
