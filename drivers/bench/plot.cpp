// SPDX-License-Identifier: MIT
// Part of taskhub.
// A line chart as SVG.
#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace taskhub_bench {
namespace {

constexpr double width = 640, height = 400, left = 70, right = 150, top = 40, bottom = 60;

std::string xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", x);
  return text;
}

std::string shortest(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

// A round step for about five ticks up to `top`.
double tick_step(double top) {
  const double raw = top / 5, power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

}  // namespace

std::string line_chart(const std::vector<plot_series>& series, const plot_labels& labels) {
  double x_min = 0, x_max = 0, y_max = 0;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) {
      x_min = x_min == 0 ? x : std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, y);
    }
  // Whole powers of 2 around the points, and a round top for y.
  const double lo = std::floor(std::log2(x_min > 0 ? x_min : 1)),
               hi = std::max(lo + 1, std::ceil(std::log2(x_max > 0 ? x_max : 2)));
  const double step = tick_step(y_max > 0 ? y_max : 1), y_top = step * std::ceil((y_max > 0 ? y_max : 1) / step);
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto px = [&](double x) { return left + (std::log2(x) - lo) / (hi - lo) * plot_w; };
  auto py = [&](double y) { return top + plot_h - y / y_top * plot_h; };

  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    number(width) + "\" height=\"" + number(height) + "\" viewBox=\"0 0 " + number(width) +
                    " " + number(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + number(width / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" +
         xml(labels.title) + "</text>\n";
  // Grid and ticks.
  for (double y = 0; y <= y_top + step / 2; y += step) {
    svg += "<line x1=\"" + number(left) + "\" y1=\"" + number(py(y)) + "\" x2=\"" + number(left + plot_w) +
           "\" y2=\"" + number(py(y)) + "\" stroke=\"#ddd\"/>\n";
    svg += "<text x=\"" + number(left - 6) + "\" y=\"" + number(py(y) + 4) + "\" text-anchor=\"end\">" +
           shortest(y) + "</text>\n";
  }
  for (double e = lo; e <= hi; ++e) {
    const double x = px(std::pow(2, e));
    svg += "<line x1=\"" + number(x) + "\" y1=\"" + number(top) + "\" x2=\"" + number(x) + "\" y2=\"" +
           number(top + plot_h) + "\" stroke=\"#ddd\"/>\n";
    svg += "<text x=\"" + number(x) + "\" y=\"" + number(top + plot_h + 16) + "\" text-anchor=\"middle\">" +
           shortest(std::pow(2, e)) + "</text>\n";
  }
  svg += "<rect x=\"" + number(left) + "\" y=\"" + number(top) + "\" width=\"" + number(plot_w) +
         "\" height=\"" + number(plot_h) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + number(left + plot_w / 2) + "\" y=\"" + number(height - 18) +
         "\" text-anchor=\"middle\">" + xml(labels.x) + "</text>\n";
  svg += "<text transform=\"translate(18 " + number(top + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + xml(labels.y) + "</text>\n";
  // The series, and the legend.
  double legend_y = top + 10;
  for (const auto& s : series) {
    svg += "<polyline fill=\"none\" stroke=\"" + xml(s.colour) + "\" stroke-width=\"2\" points=\"";
    for (std::size_t i = 0; i < s.points.size(); ++i)
      svg += (i ? " " : "") + number(px(s.points[i].first)) + "," + number(py(s.points[i].second));
    svg += "\"/>\n";
    for (const auto& [x, y] : s.points)
      svg += "<circle cx=\"" + number(px(x)) + "\" cy=\"" + number(py(y)) + "\" r=\"3.5\" fill=\"" +
             xml(s.colour) + "\"/>\n";
    const double lx = left + plot_w + 14;
    svg += "<line x1=\"" + number(lx) + "\" y1=\"" + number(legend_y) + "\" x2=\"" + number(lx + 24) +
           "\" y2=\"" + number(legend_y) + "\" stroke=\"" + xml(s.colour) + "\" stroke-width=\"2\"/>\n";
    svg += "<text x=\"" + number(lx + 30) + "\" y=\"" + number(legend_y + 4) + "\">" + xml(s.name) + "</text>\n";
    legend_y += 20;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace taskhub_bench
