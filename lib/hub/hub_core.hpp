// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub: the loop that takes submissions, runs timers, schedules, sends and receives, over
// parts that each keep their own state.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/wait.hpp"
#include "core/hub_observer.hpp"
#include "hub/death_watch.hpp"
#include "hub/object_holdings.hpp"
#include "hub/pass_sharing.hpp"
#include "hub/submissions.hpp"
#include "hub/task_flow.hpp"
#include "hub/watchdog.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/scheme.hpp"
#include "taskhub/task_record.hpp"
#include "taskhub/traffic.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

/// Client threads submit tasks; passes (on the hub thread, or on a waiting client that helps)
/// keep the table of every task, resolve dependencies, schedule ready tasks onto engines, send
/// them in batches, and complete futures as results arrive. Only a pass uses the transport or the
/// table; passes run one at a time, so MPI is called by one thread at a time.
class hub_core final : public client_core, public wait_helper {
 public:
  struct config {
    int hwm = 16;
    std::shared_ptr<taskhub::scheme> scheme;
    std::vector<std::vector<std::string>> tags;  // per engine, in engine order
    std::vector<int> groups;  // per engine: the root's child that relays to it, or -1
    refill policy = refill::pull;  // how groups behind sub-hubs get work
    bool is_stealing = false;  // idle engines take queued tasks back from loaded ones
    bool is_local_first = true;  // tasks go where their inputs are kept (--taskhub-locality)
    std::vector<bool> maps_node_objects;  // per engine: maps the hub's copy of a shared object
    std::vector<std::string> hosts;              // per engine, in engine order
    std::vector<long> pids;                      // per engine; 0 where not on the hub's host
    /// A sub-hub: its rank, host and process (0 where not on the hub's host), and the engines
    /// (ranks) it relays to.
    struct relay {
      int rank = 0;
      std::string host;
      long pid = 0;
      std::vector<int> engines;
    };
    std::vector<relay> relays;
    std::shared_ptr<hub_observer> observer;      // null: none
    std::size_t retain_bytes = std::size_t(64) << 20;  // large arguments kept for resubmit
    watchdog::config watch;                      // its hosts are filled in from `hosts`
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
  /// The engines that have not retired after a crash, in order (any thread; the list stays
  /// valid for the whole run).
  const std::vector<int>& live_engines() const { return *live_.load(); }
  hub_core* table() override { return this; }
  /// Asks the hub thread to stop the engines with `exit_code` and return.
  void request_stop(int exit_code);
  /// Runs `fn` on the hub thread, between two loop passes, and waits for it; rethrows.
  void on_hub_thread(const std::function<void()>& fn);
  /// The same, waiting at most `within`; returns whether `fn` ran (if not, it may run later).
  bool on_hub_thread(std::function<void()> fn, std::chrono::milliseconds within);
  /// Runs the hub's passes on the calling client thread while it waits for `is_ready`, when the
  /// transport allows (every engine shares this node). Returns false when the wait grew long.
  bool help(const std::function<bool()>& is_ready, deadline until) override;

  // Hub thread: the table, for on_hub_thread closures.
  task_ptr find(std::uint64_t id) const { return flow_.table().find(id); }
  /// Aborts what has not started of `ids`; the count comes once the engines asked have answered.
  std::future<std::size_t> abort(const std::vector<std::uint64_t>& ids) { return flow_.abort(ids); }
  std::future<std::size_t> abort_all() { return flow_.abort_all(); }
  std::vector<task_ptr> resubmit(const std::vector<std::uint64_t>& ids);
  std::size_t purge() { return flow_.table().purge(); }
  std::size_t purge(const std::vector<std::uint64_t>& ids) { return flow_.table().purge(&ids); }
  /// How many tasks the table holds, once it has let go of those nothing else holds.
  std::size_t tasks_held() {
    flow_.table().release_unheld(true);
    return flow_.table().size();
  }
  /// The messages and bytes the hub exchanged, in all and with each engine.
  taskhub::traffic_report traffic() const;
  const std::vector<engine_slot>& slots() const { return flow_.engines().slots(); }
  task_record record_of(const task_data& t) const { return flow_.record_of(t); }
  void for_each_task(const std::function<void(const task_data&)>& fn) const {
    flow_.table().for_each(fn);
  }
  /// What the run waits for, as the watchdog would print it (without the prefixes).
  std::string wait_report() const { return watchdog_.report(flow_).text; }

  /// The hub thread's loop, until the engines have stopped.
  void serve();

 private:
  bool pass(bool is_hub_thread);
  bool take_submissions(bool with_controls);
  void run_controls();
  bool receive();
  void stop_engines();
  void retire(engine_slot& slot);
  void engine_died(engine_slot& slot, long pid);
  void sub_hub_died(const config::relay& relay);
  std::vector<std::string> lose_engine(engine_slot& slot, const std::string& who);
  void drop_from_live(int rank);

  transport& t_;
  const std::vector<int> engines_;
  task_flow flow_;
  submission_stack submissions_;
  pass_sharing sharing_;
  watchdog watchdog_;
  death_watch deaths_;
  const std::vector<std::string> hosts_;
  const std::vector<long> pids_;
  const std::vector<config::relay> relays_;
  death_watch relay_deaths_;  // per relay
  object_holdings objects_;    // which engine holds which shared object

  // What clients hand the hub thread besides tasks.
  std::mutex controls_m_;
  std::vector<std::function<void()>> controls_;
  std::vector<std::function<void()>> running_controls_;
  std::atomic<bool> has_controls_{false};
  std::atomic<bool> is_stop_requested_{false};
  int exit_code_ = 0;
  // The live engines: a new list after each retirement, written by passes only.
  std::deque<std::vector<int>> live_lists_;
  std::atomic<const std::vector<int>*> live_{&engines_};
  std::atomic<std::uint64_t> next_id_{1};

  bool is_stopping_ = false;
  bool is_sending_ = false;
};

}  // namespace taskhub::detail
