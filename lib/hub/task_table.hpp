// SPDX-License-Identifier: MIT
// Part of taskhub.
// The task table: every task of the run by id, and the budget for arguments kept for resubmit.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

/// Tasks submitted on rank 0 sit in a vector by id; tasks that tasks submitted, in a map.
/// The table keeps each task alive for the whole run, or until purge.
class task_table {
 public:
  /// `retain_bytes`: how many bytes of large arguments finished tasks keep for resubmit.
  explicit task_table(std::size_t retain_bytes);
  void insert(const task_ptr& t);
  task_ptr find(std::uint64_t id) const;
  /// The task with `id`, or null.
  task_data* lookup(std::uint64_t id) const {
    if (!is_task_of_task(id)) return id < local_.size() ? local_[id].get() : nullptr;
    return lookup_remote(id);
  }
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& t : local_)
      if (t) fn(*t);
    for (const auto& [id, t] : remote_) fn(*t);
  }
  /// Drops finished tasks (only those of `ids` when given), except parents of tasks that have not
  /// finished (their dependencies still look them up) and tasks whose request a send may still
  /// read; returns how many.
  std::size_t purge(const std::vector<std::uint64_t>* ids = nullptr);
  /// A finished task keeps its arguments for resubmit; large ones only up to the budget, the
  /// oldest released first.
  void retain_arguments(task_data& t);

 private:
  task_data* lookup_remote(std::uint64_t id) const;
  bool drop(std::uint64_t id);

  std::vector<task_ptr> local_;                         // tasks submitted on rank 0, by id
  std::unordered_map<std::uint64_t, task_ptr> remote_;  // tasks submitted by tasks
  const std::size_t retain_budget_;
  std::deque<std::uint64_t> retained_;  // finished tasks whose large arguments are still kept
  std::size_t retained_bytes_ = 0;
};

}  // namespace taskhub::detail
