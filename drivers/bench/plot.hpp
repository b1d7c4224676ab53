// SPDX-License-Identifier: MIT
// Part of taskhub.
// A line chart as SVG: a few series of points over a logarithmic x axis.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace taskhub_bench {

struct plot_series {
  std::string name;    // in the legend
  std::string colour;  // an SVG colour: "#1f77b4"
  std::vector<std::pair<double, double>> points;  // (x > 0, y), in the order drawn
};

struct plot_labels {
  std::string title, x, y;
};

/// The chart as a standalone SVG document: x on a base-2 logarithmic axis, y linear from 0, one
/// polyline with a dot at every point per series, and a legend.
std::string line_chart(const std::vector<plot_series>& series, const plot_labels& labels);

}  // namespace taskhub_bench
