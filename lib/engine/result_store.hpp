// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's kept results: the results of its tasks that asked to stay (task_options::
// keep_remote), until the hub releases them, and the copies other engines sent it for the tasks
// queued here that take them as arguments, until those tasks ran.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

class result_store {
 public:
  /// Keeps the result of task `task`.
  void keep(std::uint64_t task, const char* data, std::size_t n);
  /// Drops the kept result of `task` (absent: no error).
  void release(std::uint64_t task) { kept_.erase(task); }
  /// Takes a copy of `task`'s result that another engine sent for a task queued here.
  void receive(std::uint64_t task, const char* data, std::size_t n);
  /// The kept result or received copy of `task`, or null.
  const bytes* find(std::uint64_t task) const;
  /// A task here used its copy of `task`'s result: dropped once every task it came for did.
  void used(std::uint64_t task);
  /// The task record `h` (with `payload`) was dropped unrun: the copies sent for it are not
  /// needed, and are dropped when they come.
  void forgo(const record_header& h, const char* payload);
  /// Whether copies are on their way that no task here needs: they must still be received.
  bool is_owed() const { return owed_ > 0; }
  /// Whether every input of the task record `h` (with `payload`) is here.
  bool has_inputs(const record_header& h, const char* payload) const;
  /// The payload of the task record `h` with its inputs spliced into its arguments and the inputs
  /// block removed; marks received copies used. Throws taskhub::error when an input is missing.
  bytes splice(const record_header& h, const char* payload);
  /// How many results it keeps, and their bytes (received copies not counted).
  std::size_t count() const { return kept_.size(); }
  std::size_t bytes_kept() const { return bytes_kept_; }

 private:
  struct copy {
    bytes data;
    bool has_data = false;
    int balance = 0;  // copies that came, less the tasks here that used or forwent one
  };
  std::unordered_map<std::uint64_t, bytes> kept_;
  std::unordered_map<std::uint64_t, copy> received_;
  std::size_t bytes_kept_ = 0;
  int owed_ = 0;  // copies to come that tasks here forwent
};

}  // namespace taskhub::detail
