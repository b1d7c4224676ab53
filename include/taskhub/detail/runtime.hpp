// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

// The entry points the header-only API calls in the compiled runtime (taskhub::runtime).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "taskhub/detail/task_state.hpp"
#include "taskhub/error.hpp"

namespace taskhub::detail {

class hub_core;
using task_ptr = std::shared_ptr<task_state>;
using deadline = std::chrono::steady_clock::time_point;

/// A new task for `handler` with its record header written and room for `payload` more bytes;
/// arguments go after the header.
task_ptr make_task(hub_core& hub, std::uint64_t handler, int target, std::size_t payload = 0);

/// A buffer with room for at least `capacity` bytes, reused when one is free.
bytes take_buffer(std::size_t capacity);
/// Gives a buffer back for reuse.
void recycle_buffer(bytes&& buffer);
/// Hands finished task records to the hub thread.
void submit(hub_core& hub, task_ptr task);
void submit(hub_core& hub, std::vector<task_ptr>& tasks);
/// The engine ranks, in order.
const std::vector<int>& engine_ranks(const hub_core& hub);

/// Waits until `task` is ready or `until` passes; returns whether it is ready.
bool wait_ready(const task_state& task, deadline until);
/// Waits until one of `tasks` is ready or `until` passes; returns the index of a ready one or -1.
long wait_any_ready(const std::vector<const task_state*>& tasks, deadline until);

/// The readable name of a registered handler ("unknown function 0x..." if none).
std::string handler_name(std::uint64_t id);
/// The error a failed task carries.
remote_error failure_of(const task_state& task);

inline deadline never() { return deadline::max(); }

}  // namespace taskhub::detail
