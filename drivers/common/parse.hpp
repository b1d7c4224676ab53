// SPDX-License-Identifier: MIT
// Part of taskhub.
// Strict reading of the drivers' numbers and durations, for flags and task files alike.
#pragma once

#include <string>
#include <string_view>

namespace driver {

/// Reads a whole decimal number from `min` to `max` (digits only: no sign, space, fraction or
/// exponent). Returns an empty string and sets `out`, or says what is accepted
/// ("a whole number from 0 to 1000").
std::string read_whole(std::string_view text, long long min, long long max, long long& out);

/// What `read_duration` accepts, for messages: "90, 90s, 1.5m, 1:30 or 2h".
inline constexpr const char* duration_forms = "90, 90s, 1.5m, 1:30 or 2h";

/// Reads a duration in seconds: a plain number of seconds ("90", "0.5"), a number with a unit
/// s, m or h ("90s", "1.5m", "2h"), or M:SS and H:MM:SS ("1:30", "1:02:03"). It must lie from
/// `min` to `max` seconds (above `min` if `is_above_min`). Returns an empty string and sets
/// `seconds`, or says what is accepted.
std::string read_duration(std::string_view text, double min, bool is_above_min, double max,
                          double& seconds);

}  // namespace driver
