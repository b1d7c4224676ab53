// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

#include <atomic>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/scheme.hpp"
#include "taskhub/task_options.hpp"
#include "taskhub/task_record.hpp"
#include "journal/journal.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

using task_state_kind = taskhub::task_state;

/// The hub: client threads submit tasks; passes (on the hub thread, or on a waiting client that
/// helps) keep the table of every task, resolve dependencies, schedule ready tasks onto engines,
/// batch them, and complete futures as results arrive. Only a pass, under pass_m_, uses the
/// transport or the table; only the hub thread's passes call MPI.
class hub_core : public client_core {
 public:
  struct config {
    int hwm = 16;
    std::shared_ptr<taskhub::scheme> scheme;
    std::vector<std::vector<std::string>> tags;  // per engine, in engine order
    std::vector<std::string> hosts;              // per engine, in engine order
    std::shared_ptr<detail::journal> journal;    // null: no journal
  };
  hub_core(transport& t, std::vector<int> engines, config cfg);
  /// Tasks submitted after the hub's last pass fail, so nothing waits for them. (Submitting once
  /// the hub is destroyed, from a thread that outlives the run, is not allowed.)
  ~hub_core() override;

  // Client side (any thread).
  task_ptr make_task(std::uint64_t handler, int target, std::size_t payload) override;
  void submit(task_ptr task) override;
  void submit(std::vector<task_ptr>& tasks) override;
  const std::vector<int>& engines() const override { return engines_; }
  hub_core* table() override { return this; }
  /// Asks the hub thread to stop the engines with `exit_code` and return.
  void request_stop(int exit_code);
  /// Runs `fn` on the hub thread, between two loop passes, and waits for it; rethrows.
  void on_hub_thread(const std::function<void()>& fn);

  // Hub thread: the table, for on_hub_thread closures.
  task_ptr find(std::uint64_t id) const;
  /// The task with `id`, or null; the table keeps it alive for the whole run.
  task_state* lookup(std::uint64_t id) const;
  std::size_t abort(const std::vector<std::uint64_t>& ids);
  std::vector<task_ptr> resubmit(const std::vector<std::uint64_t>& ids);
  std::size_t purge();
  task_record record_of(const task_state& t) const;
  void for_each_task(const std::function<void(const task_state&)>& fn) const;

  /// The hub thread's loop, until the engines have stopped.
  void serve();
  /// Runs the hub's passes on the calling client thread while it waits for `is_ready`, when the
  /// transport allows (every engine shares this node), so the result needs no hand-off between
  /// threads. Returns false when the wait grew long: the caller then blocks instead.
  bool help(const std::function<bool()>& is_ready, deadline until);

 private:
  struct engine_slot {
    int rank;
    std::vector<std::string> tags;
    int outstanding = 0;
    int blocked = 0;  // tasks waiting inside for tasks they submitted: not counted for hwm
    std::uint64_t last_used = 0;
    std::vector<task_state*> batch;  // assigned, not yet sent
    bool is_stopped = false;
    bool is_retired = false;  // a task crashed it: it runs nothing more
  };
  struct timer {
    std::int64_t when_ns;
    std::uint64_t id;
    std::uint32_t attempt;
    bool operator>(const timer& o) const { return when_ns > o.when_ns; }
  };
  using timer_heap = std::priority_queue<timer, std::vector<timer>, std::greater<timer>>;
  struct verdict {
    bool is_met = false, is_impossible = false;
    std::string why;
  };

  bool pass(bool is_hub_thread);
  bool helper_pass();
  bool should_rest() const;
  void rest();
  void wake_hub_thread();
  bool take_submissions(bool with_controls);
  void announce_submission();
  void push_submissions(task_state* first, task_state* last);
  void push_chain(task_state* first, task_state* last);
  void run_controls();
  void accept(task_ptr t);
  void resolve(task_state& t);
  verdict evaluate(const task_state& t, const taskhub::dependency& d, const char* kind,
                   bool explain) const;
  std::string reason_of(const task_state& t) const;
  void make_ready(task_state& t);
  void requeue(task_state& t);
  bool is_eligible(const task_state& t, const engine_slot& s) const;
  bool runs_anywhere(const task_state& t) const;
  bool schedule();
  bool has_room() const;
  void assign(task_state& t, engine_slot& s);
  bool send_batches();
  bool receive();
  void accept_remote(int source, const char* payload, std::size_t n);
  void refuse_remote(int source, const record_header& h, const std::string& why);
  void complete(engine_slot& slot, const record_header& h, const char* payload,
                const std::shared_ptr<const bytes>& batch);
  void restore(task_state& t, const stored_outcome& s);
  void fail(task_state& t, const std::string& type, const std::string& message,
            task_state_kind state = task_state_kind::failed);
  void finish(task_state& t, task_state_kind state);
  void resolve_dependents();
  void retain_request(task_state& t);
  void check_timers();
  std::chrono::microseconds until_next_timer() const;
  void stop_engines();
  void retire(engine_slot& slot);
  void abandon_all();
  engine_slot* slot_of(int rank);

  transport& t_;
  std::vector<int> engines_;
  std::vector<engine_slot> slots_;
  std::vector<int> slot_of_rank_;
  const int hwm_;
  std::shared_ptr<taskhub::scheme> scheme_;
  std::shared_ptr<detail::journal> journal_;

  std::mutex controls_m_;
  alignas(64) std::atomic<task_state*> submitted_{nullptr};  // newest first (see submit)
  alignas(64) std::vector<std::function<void()>> controls_;  // off the submissions' cache line
  std::atomic<bool> is_stop_requested_{false};
  std::atomic<bool> has_controls_{false};
  // Client threads running passes (help) while the hub thread rests.
  std::mutex pass_m_;  // one pass at a time
  std::atomic<int> helpers_{0};
  std::atomic<std::int64_t> last_help_ns_{0};
  std::atomic<std::uint32_t> rest_word_{0};  // a futex: 1 ends the hub thread's rest
  std::atomic<bool> is_resting_{false};
  std::atomic<bool> is_hub_thread_waiting_{false};  // helpers let the hub thread have a pass
  std::exception_ptr helper_error_;                 // a helper's pass failed: the hub thread ends the run
  int exit_code_ = 0;
  std::atomic<std::uint64_t> next_id_{1};

  // Hub-thread state.
  std::vector<std::function<void()>> running_controls_;
  std::vector<task_ptr> local_;                         // tasks submitted on rank 0, by id
  std::unordered_map<std::uint64_t, task_ptr> remote_;  // tasks submitted by tasks
  std::map<int, std::deque<task_state*>, std::greater<int>> ready_;  // by priority, then age
  std::vector<task_state*> to_resolve_;
  std::vector<engine_load> candidates_;
  timer_heap start_deadlines_, run_deadlines_;
  std::deque<std::uint64_t> retained_;  // finished tasks whose large arguments are still kept
  std::size_t retained_bytes_ = 0;
  std::uint64_t tick_ = 0;
  int retired_ = 0;
  bool is_stopping_ = false;
  bool is_sending_ = false;
  bool is_scheme_fault_reported_ = false;
  bool is_notify_due_ = false;
};

}  // namespace taskhub::detail
