// SPDX-License-Identifier: MIT
// Part of taskhub.
// What taskhub-report's pictures share: the page's geometry, text for XML, numbers, colours.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "facts.hpp"

namespace taskhub_report::svg {

constexpr double width = 1000, left = 190, right = 30, plot = width - left - right;
constexpr double row_height = 22, bar_height = 15;

// Text for XML: markup characters escaped; control characters (C0, which XML forbids, DEL and
// C1, which it discourages) become spaces.
inline std::string xml(const std::string& text) {
  std::string out;
  const std::string valid = clean_utf8(text);
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const char c = valid[i];
    if (is_c1(valid, i) || c == 0x7f) {
      out += ' ';
      i += c == 0x7f ? 0 : 1;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 && c != '\n' ? ' ' : c;
    }
  }
  return out;
}

inline std::string num(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", x);
  return text;
}

inline const char* colour(event s) {
  switch (s) {
    case event::done:
      return "#2ca02c";
    case event::failed:
      return "#d62728";
    case event::retried:
      return "#f4a6a6";
    case event::dispatched:
      return "#ffe0b2";
    case event::restored:
      return "#1f77b4";
    default:
      return "#9e9e9e";
  }
}

// Tick spacing of 1, 2 or 5 times a power of ten, about `ticks` ticks over `span`.
inline double tick_step(double span, int ticks) {
  const double raw = span / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= raw * 0.999) return m * magnitude;
  }
  return 10 * magnitude;
}

/// The span a run's pictures cover: from its first submission to its last completion.
inline std::pair<double, double> time_range(const run_usage& u) {
  double end = std::isnan(u.wall_end) ? u.wall_start : u.wall_end;
  for (const auto& a : u.attempts) end = std::max(end, a.completed);
  return {u.wall_start, end};
}

/// The unit a time axis over `span` seconds is labelled in: 1 (s), 1e-3 (ms) or 1e-6 (us).
inline double time_unit(double span) { return span >= 1 ? 1 : span >= 1e-3 ? 1e-3 : 1e-6; }
inline const char* time_unit_name(double span) {
  return span >= 1 ? "s" : span >= 1e-3 ? "ms" : "us";
}

/// The pictures below a run's timeline: tasks in flight over time, a histogram of task
/// durations, and the task graph when the run has one; each from `y` down, returning the y below.
double draw_in_flight(std::string& svg, const run_usage& u, double y);
double draw_durations(std::string& svg, const run_usage& u, double y);
double draw_graph(std::string& svg, const report& r, const run_usage& u, double y);

}  // namespace taskhub_report::svg
