// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "transport.hpp"

namespace taskhub::detail {

/// Tasks sent to engines and not yet answered, by id. Ids grow by one per task, so a window
/// that starts at the oldest unanswered id finds each in constant time.
class in_flight_table {
 public:
  void add(task_ptr t);
  /// Removes and returns the task with `id`, or null if it is not in flight.
  task_ptr take(std::uint64_t id);
  template <class Fn>
  void for_each(Fn&& fn) {
    for (auto& t : window_)
      if (t) fn(*t);
  }
  void clear() { window_.clear(); }

 private:
  std::deque<task_ptr> window_;
  std::uint64_t base_ = 0;  // the id of window_.front()
};

/// The hub: the client thread submits tasks; the hub thread (serve) schedules them onto engines,
/// batches them, and completes futures as results arrive. Only the hub thread uses the transport.
class hub_core {
 public:
  hub_core(transport& t, std::vector<int> engines, int hwm);

  // Client side (any thread).
  task_ptr make_task(std::uint64_t handler, int target, std::size_t payload);
  void submit(task_ptr task);
  void submit(std::vector<task_ptr>& tasks);
  const std::vector<int>& engines() const { return engines_; }
  /// Asks the hub thread to stop the engines with `exit_code` and return.
  void request_stop(int exit_code);

  // Hub thread.
  void serve();

 private:
  struct engine_slot {
    int rank;
    int outstanding = 0;
    std::uint64_t last_used = 0;
    std::vector<task_ptr> batch;  // assigned, not yet sent
    bool is_stopped = false;
  };

  bool take_submissions();
  bool schedule();
  bool send_batches();
  bool receive();
  void complete(engine_slot& slot, const record_header& h, const char* payload,
                const std::shared_ptr<const bytes>& batch);
  engine_slot* least_loaded();
  void stop_engines();

  transport& t_;
  std::vector<int> engines_;
  std::vector<engine_slot> slots_;
  std::vector<int> slot_of_rank_;
  const int hwm_;

  std::mutex submitted_m_;
  std::vector<task_ptr> submitted_;
  std::atomic<bool> is_stop_requested_{false};
  int exit_code_ = 0;
  std::atomic<std::uint64_t> next_id_{1};

  // Hub-thread state.
  std::vector<task_ptr> incoming_;
  std::deque<task_ptr> ready_;
  in_flight_table running_;
  std::uint64_t tick_ = 0;
  bool is_notify_due_ = false;
};

}  // namespace taskhub::detail
