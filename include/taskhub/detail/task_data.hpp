// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the client and the hub thread share about one task.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/shared_blob.hpp"
#include "taskhub/task_record.hpp"

namespace taskhub {
class task_options;
}

namespace taskhub::detail {

class client_core;

enum class task_status : int { pending = 0, done = 1, failed = 2 };

struct task_data {
  ~task_data();  // its request goes back to the buffer pool
  std::uint64_t id = 0;
  std::uint64_t handler = 0;
  int target = -1;  // engine for a direct task, -1 for load-balanced
  bytes request;    // the whole record: header + encoded arguments
  std::chrono::system_clock::time_point submitted;
  std::shared_ptr<const task_options> options;  // null for a plain task
  std::uint64_t group = 0;  // a map chunk's first task: its tasks go to one engine together
  client_core* core = nullptr;  // where it was submitted: future::abort goes there
  std::vector<blob_ptr> objects;  // what its arguments refer to; the hub lets go when it ends

  // Written by the hub thread before `status` is released, read by the client after.
  int engine = -1;
  std::int64_t started_us = 0, completed_us = 0;
  // The encoded result (for failures: type name + message), inside the reply batch it came in.
  std::shared_ptr<const bytes> reply;
  const char* result_data = nullptr;
  std::size_t result_size = 0;
  int kept_on = -1;             // the engine that keeps the result (task_options::keep_remote)
  std::uint64_t kept_size = 0;  // and its size in bytes
  std::atomic<task_status> status{task_status::pending};
  std::atomic<bool> is_awaited{false};  // a client blocks on it: the hub must notify

  // Between submission and the hub taking it: the next task submitted before it, and the
  // reference that keeps it alive meanwhile.
  task_data* next_submitted = nullptr;
  std::shared_ptr<task_data> submitted_self;
  // Tasks whose results are among its arguments, held until the hub took it.
  std::vector<std::shared_ptr<task_data>> inputs;

  // Kept by the hub thread only.
  struct hub_part {
    taskhub::task_state state = taskhub::task_state::waiting;
    int origin = 0;          // the rank that submitted it (an engine, for tasks of tasks)
    std::uint32_t attempt = 0;
    int retries_used = 0;
    int follow_engine = -1;  // set when follow pins it to one engine
    std::vector<int> allowed;   // when follow allows several engines
    std::vector<int> excluded;  // engines that reported an unmet dependency
    std::vector<int> tried;     // engines it failed on (retries go elsewhere)
    std::vector<task_data*> dependents;  // waiting tasks to re-check when this one ends
    std::vector<std::shared_ptr<task_data>> parents;  // while waiting: what it depends on
    struct input {
      std::uint64_t parent = 0;  // the task whose result goes into the arguments
      std::uint64_t at = 0;      // where, in the payload
    };
    std::vector<input> inputs;  // results among its arguments, in order
    std::vector<std::shared_ptr<task_data>> input_parents;  // held until it finished
    std::string error;          // "type: message" of a failed task
    std::uint64_t submitted_by = 0;  // for tasks of tasks: the task that submitted it
    std::int64_t running_since_ns = 0;  // steady clock, when the hub saw it start
    bool is_request_pinned = false;  // a send of the request may still be under way
    bool is_request_dropped = false;  // released to bound memory: it cannot be resubmitted
    bool is_restored = false;  // answered from the journal of an earlier run
    bool is_in_ready_queue = false;  // the scheduler's queue may still point to it
    bool is_recalled = false;  // queued on an engine that was asked to drop it, not answered yet
    bool is_stolen = false;    // recalled to run on an idle engine: dropped, it goes back to the queue
    bool is_waiting_inside = false;  // running, and waiting for tasks it submitted
    bool is_finished() const {
      return state == taskhub::task_state::done || state == taskhub::task_state::failed ||
             state == taskhub::task_state::aborted;
    }
  } hub;

  bool is_ready() const noexcept { return status.load() != task_status::pending; }
  reader result() const { return reader(result_data, result_size); }
  /// Sets the result to a buffer of its own.
  void set_result(bytes value) {
    reply = std::make_shared<const bytes>(std::move(value));
    result_data = reply->data();
    result_size = reply->size();
  }
};

/// A task with id `id` whose request holds its record header and room for `payload` bytes.
std::shared_ptr<task_data> new_task(std::uint64_t id, std::uint64_t handler, int target,
                                     std::size_t payload);

}  // namespace taskhub::detail
