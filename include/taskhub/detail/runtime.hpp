// SPDX-License-Identifier: MIT
// Part of taskhub.
// The entry points the header-only API calls in the compiled runtime (taskhub::runtime).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "taskhub/detail/task_data.hpp"
#include "taskhub/error.hpp"

namespace taskhub::detail {

class hub_core;
using task_ptr = std::shared_ptr<task_data>;
using deadline = std::chrono::steady_clock::time_point;

/// Where tasks are submitted: the hub on rank 0, or from inside a task, the engine running it.
class client_core {
 public:
  virtual ~client_core() = default;
  /// A new task for `handler` with its record header written and room for `payload` more
  /// bytes; arguments go after the header.
  virtual task_ptr make_task(std::uint64_t handler, int target, std::size_t payload) = 0;
  /// Hands finished task records to the hub.
  virtual void submit(task_ptr task) = 0;
  virtual void submit(std::vector<task_ptr>& tasks) = 0;
  /// The engine ranks, in order.
  virtual const std::vector<int>& engines() const = 0;
  /// The hub itself, for queries of its table; null inside a task.
  virtual hub_core* table() { return nullptr; }
};

inline task_ptr make_task(client_core& c, std::uint64_t handler, int target,
                          std::size_t payload = 0) {
  return c.make_task(handler, target, payload);
}
inline void submit(client_core& c, task_ptr task) { c.submit(std::move(task)); }
inline void submit(client_core& c, std::vector<task_ptr>& tasks) { c.submit(tasks); }
inline const std::vector<int>& engine_ranks(const client_core& c) { return c.engines(); }

/// Aborts the listed tasks that have not started, as hub::abort does, from the client `c` on
/// rank 0 (throws taskhub::error elsewhere); returns how many it aborted.
std::size_t abort_tasks(client_core& c, const std::vector<std::uint64_t>& ids);

/// A buffer with room for at least `capacity` bytes, reused when one is free.
bytes take_buffer(std::size_t capacity);
/// Gives a buffer back for reuse.
void recycle_buffer(bytes&& buffer);

/// Waits until `task` is ready or `until` passes; returns whether it is ready.
bool wait_ready(const task_data& task, deadline until);
/// Waits until one of `tasks` is ready or `until` passes; returns the index of a ready one or -1.
long wait_any_ready(const std::vector<const task_data*>& tasks, deadline until);

/// The readable name of a registered handler ("unknown function 0x..." if none).
std::string handler_name(std::uint64_t id);
/// The error a failed task carries.
remote_error failure_of(const task_data& task);

inline deadline never() { return deadline::max(); }
/// The deadline `d` from now; never() for a duration of a century or more (or its max()).
template <class Rep, class Period>
deadline deadline_after(std::chrono::duration<Rep, Period> d) {
  if (std::chrono::duration<double>(d) >= std::chrono::hours(24 * 365 * 100)) return never();
  return std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(d);
}

}  // namespace taskhub::detail
