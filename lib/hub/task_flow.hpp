// SPDX-License-Identifier: MIT
// Part of taskhub.
// What happens to a task on the hub, from its acceptance to its outcome: the table, its
// dependencies, the scheduler, the timers, retries, and what the observer is told.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "hub/dependencies.hpp"
#include "hub/result_inputs.hpp"
#include "core/hub_observer.hpp"
#include "hub/scheduler.hpp"
#include "hub/task_table.hpp"
#include "hub/timers.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/task_record.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

class task_flow {
 public:
  struct config {
    int hwm = 16;
    std::shared_ptr<taskhub::scheme> scheme;
    std::vector<std::vector<std::string>> tags;  // per engine, in engine order
    std::vector<int> groups;  // per engine: the root's child that relays to it, or -1
    refill policy = refill::pull;
    bool is_stealing = false;  // idle engines take queued tasks back from loaded ones
    std::shared_ptr<hub_observer> observer;      // null: none
    std::size_t retain_bytes = std::size_t(64) << 20;  // large arguments kept for resubmit
    client_core* client = nullptr;  // what futures of tasks that tasks submitted abort through
    bool is_local_first = true;     // tasks go where their inputs are kept (scheduler::config)
    std::vector<std::string> hosts;  // per engine, in engine order
  };
  /// `t` carries the outcomes of tasks that tasks submitted back to their engines.
  task_flow(transport& t, const std::vector<int>& engines, config cfg);

  task_table& table() { return table_; }
  const task_table& table() const { return table_; }
  scheduler& engines() { return scheduler_; }
  const scheduler& engines() const { return scheduler_; }
  hub_observer& observer() { return *observer_; }

  /// Takes a submitted task: answers it from an earlier run, queues it, or lets it wait for its
  /// dependencies. Call resolve_dependents() after a group of these.
  void accept(task_ptr t);
  /// Takes a task that a task on engine `source` submitted: [options length, options, record].
  void accept_remote(int source, const char* payload, std::size_t n);
  /// Tells engine `source` that the hub could not take the task it submitted.
  void refuse_remote(int source, const record_header& h, const std::string& why);
  /// Assigns ready tasks to engines (into their slots' batches), or, when none is left and an
  /// engine idles, asks loaded engines to give back tasks they have not started; returns whether
  /// it did either.
  bool schedule();
  /// An engine answered a task with a result or a failure.
  void complete(engine_slot& slot, const record_header& h, const char* payload,
                const std::shared_ptr<const bytes>& batch);
  /// A task crashed the engine: nothing more goes there, and what it held runs elsewhere.
  void retire(engine_slot& slot);
  /// The engine's process ended (`who` names it): what it was running fails with
  /// failure::engine_died, or runs again while its retries last; what waited in its queue runs
  /// elsewhere; nothing more goes there. Returns the running tasks, as "task 17 (name)" each.
  std::vector<std::string> engine_died(engine_slot& slot, const std::string& who);
  /// Fails the tasks whose deadlines passed, or runs them again while their retries last.
  void check_timers();
  /// Time until a timer or the observer is due.
  std::chrono::microseconds until_due() const;
  /// An engine started a task it held queued.
  void started(engine_slot& slot, const record_header& h);
  /// A task on the engine of `slot` began (or ended) a wait for tasks it submitted.
  void waits_inside(engine_slot& slot, const record_header& h, bool is_waiting);
  /// An engine dropped a recalled task before it started.
  void dropped(engine_slot& slot, const record_header& h);
  /// An engine answered its oldest recall: what it named and did not drop had started.
  void recall_answered(engine_slot& slot);
  /// The oldest task an engine holds is running (the engine takes tasks in order), unless a
  /// recall of it waits for an answer. Call after sending to the engine or hearing from it.
  void promote(engine_slot& slot);
  /// Aborts the listed tasks that have not started: waiting and ready ones at once, queued ones
  /// by asking their engines to drop them. The future gives how many it aborted, once every
  /// engine asked has answered (between two of its tasks).
  std::future<std::size_t> abort(const std::vector<std::uint64_t>& ids);
  /// Aborts every unfinished task that has not started, as abort() does.
  std::future<std::size_t> abort_all();
  task_record record_of(const task_data& t) const;
  /// Re-checks the waiting tasks whose parents finished.
  void resolve_dependents();
  /// Hands the outcomes finished since the last call to their clients (futures, and the engines
  /// of tasks that submitted them), once the observer has recorded them; wakes waiting clients
  /// if one may be watched. Call at the end of each step of a pass that finishes tasks.
  void publish();
  /// Counts tasks starting and finishing: unchanged while the run makes no progress.
  std::uint64_t changes() const { return changes_; }
  /// The run is ending: outcomes no longer go to engines.
  void stop() { is_stopping_ = true; }
  /// Fails every unfinished task, so nothing waits on them forever.
  void abandon_all();
  /// Bytes of results that went into tasks' arguments, by the way they went.
  const input_counts& inputs() const { return inputs_; }

 private:
  void resolve(task_data& t);
  void make_ready(task_data& t);
  void run(task_data& t);
  void requeue(task_data& t);
  void move_tasks_of(engine_slot& slot, const char* type, const std::string& what);
  bool retry(task_data& t, int engine, const char* why, std::size_t size);
  void restore(task_data& t, const stored_outcome& s);
  void fail(task_data& t, const std::string& type, const std::string& message,
            taskhub::task_state state = taskhub::task_state::failed);
  void finish(task_data& t, taskhub::task_state state);
  bool publish(task_data& t);
  void send_outcome_to_origin(const task_data& t, bool is_ok);
  void send_releases();
  void abort_now(task_data& t, const std::string& where);
  void answer_recall(engine_slot& slot);
  bool steal();
  void recall_starved_by(int dead);
  void send_recall(engine_slot& slot, std::vector<sent_task> tasks,
                   std::shared_ptr<recall_wait> wait);
  static void forget_sent(engine_slot& slot, std::uint64_t id, std::uint32_t attempt);

  transport& t_;
  task_table table_;
  dependency_resolver dependencies_;
  scheduler scheduler_;
  timers timers_;
  std::shared_ptr<hub_observer> observer_;  // never null
  client_core* client_;
  std::vector<task_ptr> unpublished_;  // finished, not yet handed to their clients
  bool is_stopping_ = false;
  std::uint64_t changes_ = 0;
  const bool is_stealing_;
  std::size_t stolen_in_flight_ = 0;  // tasks named by steals not answered yet
  input_counts inputs_;
};

}  // namespace taskhub::detail
