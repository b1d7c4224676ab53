// SPDX-License-Identifier: MIT
// Part of taskhub.
// The futures of one call on several engines: results in order or by engine, errors, times.
#pragma once

#include <chrono>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

#include "taskhub/future.hpp"

namespace taskhub {

/// One future per engine of a direct view, in the view's engine order.
///
/// ```
/// auto r = hub.all().apply<&hostname>();
/// for (auto& [rank, name] : r.by_engine()) std::cout << rank << ' ' << name << '\n';
/// ```
template <class R>
class future_set {
 public:
  explicit future_set(std::vector<future<R>> fs) : fs_(std::move(fs)) {}

  /// Every result, in engine order; waits for every task, then throws a composite_error carrying
  /// every failed engine's error if any failed.
  auto get() const {
    wait();
    std::vector<remote_error> failures;
    for (const auto& f : fs_)
      if (f.failed()) failures.push_back(f.error());
    if (!failures.empty()) throw composite_error(std::move(failures), fs_.size());
    if constexpr (!std::is_void_v<R>) {
      std::vector<R> out;
      out.reserve(fs_.size());
      for (const auto& f : fs_) out.push_back(f.get());
      return out;
    }
  }
  /// Like get(), waiting at most `timeout`; throws timeout_error if some task has not finished
  /// by then (the tasks go on, and a later get() returns every result).
  template <class Rep, class Period>
  auto get(std::chrono::duration<Rep, Period> timeout) const {
    if (!wait_until(detail::deadline_after(timeout)))
      throw timeout_error("of " + std::to_string(fs_.size()) + " engines, some had not finished");
    return get();
  }
  /// Every result by engine rank (as get(); of an engine named twice, the last).
  template <class T = R>
  std::map<int, T> by_engine() const {
    static_assert(!std::is_void_v<T>, "by_engine needs a function that returns a value.");
    auto values = get();
    std::map<int, T> out;
    for (std::size_t i = 0; i < fs_.size(); ++i) out[fs_[i].engine()] = std::move(values[i]);
    return out;
  }
  /// Blocks until every task has finished.
  void wait() const { wait_until(detail::never()); }
  /// Whether every task has finished.
  bool ready() const {
    for (const auto& f : fs_)
      if (!f.ready()) return false;
    return true;
  }
  /// Seconds since the first submission: until now, or until the last task finished.
  task_handle::seconds elapsed() const { return ready() ? times().wall() : times().until_now(); }
  /// Seconds from the first submission to the last completion (throws timeout_error before
  /// every task has finished).
  task_handle::seconds wall_time() const { return finished_times("wall_time").wall(); }
  /// The sum of the tasks' run times on the engines (throws timeout_error before every task has
  /// finished).
  task_handle::seconds serial_time() const { return finished_times("serial_time").serial(); }

  std::size_t size() const { return fs_.size(); }
  const future<R>& operator[](std::size_t i) const { return fs_[i]; }
  auto begin() const { return fs_.begin(); }
  auto end() const { return fs_.end(); }

 private:
  bool wait_until(detail::deadline until) const {
    for (const auto& f : fs_)
      if (!detail::wait_ready(f.state(), until)) return false;
    return true;
  }
  detail::time_span times() const {
    detail::time_span t;
    for (const auto& f : fs_) {
      t.submitted(f.submitted());
      if (f.ready()) t.finished(f.state());
    }
    return t;
  }
  detail::time_span finished_times(const char* what) const {
    if (!ready()) throw timeout_error(std::string(what) + ": some engines have not finished");
    return times();
  }

  std::vector<future<R>> fs_;
};

}  // namespace taskhub
