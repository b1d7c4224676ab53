// SPDX-License-Identifier: MIT
// Part of taskhub.
// The task table: every task of the run the hub still holds, by id, and the budget for arguments
// kept for resubmit.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

/// Tasks submitted on rank 0 sit in a window of a vector by id, from the oldest the hub still
/// works on; older ones that are still held, and tasks that tasks submitted, in a map.
///
/// A finished task submitted on rank 0 leaves the table once nothing else holds it: no future
/// or handle of the client, no waiting task that depends on it (release_unheld). Tasks that tasks
/// submitted stay until purge, as their futures live on other ranks.
class task_table {
 public:
  /// `retain_bytes`: how many bytes of large arguments finished tasks keep for resubmit.
  explicit task_table(std::size_t retain_bytes);
  void insert(const task_ptr& t);
  task_ptr find(std::uint64_t id) const;
  /// The task with `id`, or null.
  task_data* lookup(std::uint64_t id) const {
    if (!is_task_of_task(id) && id >= base_) {
      const std::uint64_t at = id - base_;
      return at < window_.size() ? window_[at].get() : nullptr;
    }
    return lookup_sparse(id);
  }
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& t : window_)
      if (t) fn(*t);
    for (const auto& [id, t] : sparse_) fn(*t);
  }
  /// How many tasks the table holds.
  std::size_t size() const { return held_; }
  /// Drops finished tasks (only those of `ids` when given), except parents of tasks that have not
  /// finished (their dependencies still look them up) and tasks whose request a send may still
  /// read; returns how many.
  std::size_t purge(const std::vector<std::uint64_t>* ids = nullptr);
  /// A task submitted on rank 0 finished: release_unheld() may drop it once nothing holds it.
  void finished(const task_data& t) {
    if (t.hub.origin == 0) released_due_.push_back(t.id);
    if (t.kept_on >= 0) ++kept_due_;
  }
  /// The kept results (engine, task id) of tasks that left the table since the last call.
  std::vector<std::pair<int, std::uint64_t>> take_released_kept() {
    return std::exchange(released_kept_, {});
  }
  /// Drops the finished tasks that only the table holds, when enough have finished since the
  /// last look that the look costs little per task (or, `is_forced`, now); returns how many.
  std::size_t release_unheld(bool is_forced = false);
  /// A finished task keeps its arguments for resubmit; large ones only up to the budget, the
  /// oldest released first.
  void retain_arguments(task_data& t);

 private:
  task_data* lookup_sparse(std::uint64_t id) const;
  bool drop(std::uint64_t id);
  void note_drop(const task_data& t) {
    if (t.kept_on >= 0) released_kept_.push_back({t.kept_on, t.id});
  }
  void forget_retained(const task_data& t);
  void slide_window();

  std::vector<task_ptr> window_;  // tasks submitted on rank 0 with ids from base_, by id
  std::uint64_t base_ = 1;        // ids start at 1
  std::unordered_map<std::uint64_t, task_ptr> sparse_;  // tasks of tasks, and older held tasks
  std::size_t held_ = 0;
  std::vector<std::uint64_t> released_due_;  // finished tasks of rank 0 the table may drop
  std::size_t next_release_ = 1024;          // released_due_'s length that starts a look
  std::size_t kept_due_ = 0;  // finished tasks whose results engines keep, since the last look
  std::vector<std::pair<int, std::uint64_t>> released_kept_;
  const std::size_t retain_budget_;
  std::deque<std::uint64_t> retained_;  // finished tasks whose large arguments are still kept
  std::size_t retained_bytes_ = 0;
};

}  // namespace taskhub::detail
