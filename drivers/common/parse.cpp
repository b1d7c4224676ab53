// SPDX-License-Identifier: MIT
// Part of taskhub.
// Strict reading of whole numbers and durations: the grammar first, then the value and its range.
#include "parse.hpp"

#include <charconv>
#include <cstdio>

namespace driver {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits from `at` on; how many.
std::size_t digits(std::string_view text, std::size_t at) {
  std::size_t n = 0;
  while (at + n < text.size() && is_digit(text[at + n])) ++n;
  return n;
}

std::string number_text(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", x);
  return text;
}

// "1.5", "90": up to 12 digits, then optionally a point and 1 to 9 digits; -1 if not that.
double read_decimal(std::string_view text) {
  const std::size_t whole = digits(text, 0);
  if (whole == 0 || whole > 12) return -1;
  std::size_t end = whole;
  if (end < text.size() && text[end] == '.') {
    const std::size_t fraction = digits(text, end + 1);
    if (fraction == 0 || fraction > 9) return -1;
    end += 1 + fraction;
  }
  if (end != text.size()) return -1;
  double x = 0;
  const auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), x);
  return error == std::errc() && ptr == text.data() + text.size() ? x : -1;
}

// The seconds `text` says, or -1 when it is not a duration.
double duration_seconds(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    double unit = 1;
    if (!text.empty() && (text.back() == 's' || text.back() == 'm' || text.back() == 'h')) {
      unit = text.back() == 's' ? 1 : text.back() == 'm' ? 60 : 3600;
      text.remove_suffix(1);
    }
    const double x = read_decimal(text);
    return x < 0 ? -1 : x * unit;
  }
  // M:SS or H:MM:SS; every field after the first has two digits below 60, the last may have a
  // fraction.
  const std::size_t first = digits(text, 0);
  if (first == 0 || first > 9 || first != colon) return -1;
  double total = 0;
  for (std::size_t i = 0; i < colon; ++i) total = total * 10 + (text[i] - '0');
  std::size_t at = colon;
  int fields = 1;
  while (at < text.size()) {
    if (text[at] != ':' || ++fields > 3 || digits(text, at + 1) < 2) return -1;
    std::size_t end = at + 3;
    const bool has_fraction = end < text.size() && text[end] == '.';
    if (has_fraction) end += 1 + digits(text, end + 1);
    if (end < text.size() && (has_fraction || text[end] != ':')) return -1;
    const double field = read_decimal(text.substr(at + 1, end - at - 1));
    if (field < 0 || field >= 60) return -1;
    total = total * 60 + field;
    at = end;
  }
  return total;
}

}  // namespace

std::string read_whole(std::string_view text, long long min, long long max, long long& out) {
  const std::string wanted =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  const std::size_t n = digits(text, 0);
  if (n == 0 || n != text.size() || n > 18) return wanted;  // 18 digits cannot overflow
  long long x = 0;
  for (char c : text) x = x * 10 + (c - '0');
  if (x < min || x > max) return wanted;
  out = x;
  return {};
}

std::string read_duration(std::string_view text, double min, bool is_above_min, double max,
                          double& seconds) {
  const double x = duration_seconds(text);
  if (x < 0 || (is_above_min ? x <= min : x < min) || x > max) {
    return std::string("a duration ") + (is_above_min ? "above " : "from ") + number_text(min) +
           " s " + (is_above_min ? "and at most " : "to ") + number_text(max) + " s (" +
           duration_forms + ")";
  }
  seconds = x;
  return {};
}

}  // namespace driver
