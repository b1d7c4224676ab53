// SPDX-License-Identifier: MIT
// Part of taskhub.
// Lists of task ids and engine ranks, as the hub's messages write them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace taskhub::detail {

/// "1, 2, 3", with at most eight ids and "..." after.
inline std::string list_ids(const std::vector<std::uint64_t>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size() && i < 8; ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  if (ids.size() > 8) s += ", ...";
  return s;
}

inline std::string list_ranks(const std::vector<int>& ranks) {
  std::string s;
  for (std::size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

inline bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace taskhub::detail
