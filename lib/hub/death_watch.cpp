// SPDX-License-Identifier: MIT
// Part of taskhub.
// A hub's watch on the processes of its host that it serves.
#include "hub/death_watch.hpp"

#include <algorithm>

#include "core/ending.hpp"
#include "hub/timers.hpp"

namespace taskhub::detail {
namespace {

constexpr std::int64_t look_every_ns = 100'000'000;

}  // namespace

death_watch::death_watch(const std::vector<long>& pids)
    : processes_(pids),
      ended_ns_(pids.size(), 0),
      is_told_(pids.size(), false),
      grace_ns_(std::chrono::nanoseconds(launcher_grace()).count()) {}

std::chrono::microseconds death_watch::until_due() const {
  if (!processes_.is_watching()) return std::chrono::microseconds::max();
  return std::chrono::microseconds(
      std::max<std::int64_t>(0, (next_check_ns_ - timers::now_ns()) / 1000));
}

std::vector<std::size_t> death_watch::check() {
  std::vector<std::size_t> dead;
  if (!processes_.is_watching()) return dead;
  const std::int64_t now = timers::now_ns();
  if (now < next_check_ns_) return dead;
  next_check_ns_ = now + look_every_ns;
  for (std::size_t i : processes_.ended())
    if (ended_ns_[i] == 0) ended_ns_[i] = now;
  if (is_ending()) return dead;  // the launcher ends every rank: nothing goes on
  for (std::size_t i = 0; i < ended_ns_.size(); ++i) {
    if (ended_ns_[i] == 0 || is_told_[i] || now - ended_ns_[i] < grace_ns_) continue;
    is_told_[i] = true;
    dead.push_back(i);
  }
  return dead;
}

}  // namespace taskhub::detail
