// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub as the client sees it: views, the task table, and the engines.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "taskhub/direct_view.hpp"
#include "taskhub/load_balanced_view.hpp"
#include "taskhub/shared.hpp"
#include "taskhub/task_record.hpp"
#include "taskhub/traffic.hpp"

namespace taskhub {

/// The client's handle on the hub: submit tasks, map over ranges, address engines directly, and
/// query or steer the hub's table of tasks.
///
/// ```
/// int main(int argc, char** argv) {
///   return taskhub::run(argc, argv, [](taskhub::hub& hub) {
///     auto f = hub.apply<&integrate>(0.0, 1.0);          // load-balanced
///     for (double y : hub.map<&square>(xs)) use(y);       // results in order
///     auto ranks = hub.all().apply<&which_rank>().get();  // one per engine
///   });
/// }
/// ```
class hub : public load_balanced_view {
 public:
  explicit hub(detail::client_core& core) : taskhub::load_balanced_view(core, task_options()) {}

  /// The ranks of the live engines (not retired after a crash), in order; a list taken stays
  /// valid, and says what was live when it was taken.
  const std::vector<int>& engines() const;
  /// The ranks of every engine the run started with, retired or not, in order.
  const std::vector<int>& all_engines() const { return core_ref().engines(); }

  /// A load-balanced view whose tasks carry `opts` (dependencies, retries, priority, ...).
  taskhub::load_balanced_view with(task_options opts) {
    return taskhub::load_balanced_view(core(), std::move(opts));
  }
  /// A load-balanced view whose tasks (apply and map) run only on the engines of `ranks`
  /// (IPython's `client.load_balanced_view(targets=[1, 3])`), with `opts` besides; throws
  /// taskhub::error for an empty list or a rank that is not an engine.
  ///
  /// ```
  /// auto two = hub.load_balanced_view({1, 3});
  /// auto f = two.apply<&work>(42);           // f.engine() is 1 or 3
  /// ```
  taskhub::load_balanced_view load_balanced_view(const std::vector<int>& ranks,
                                                 task_options opts = task_options()) {
    opts.targets(detail::checked_targets(core(), ranks));
    return taskhub::load_balanced_view(core(), std::move(opts));
  }

  /// Runs the function named `Fn` on the engine of rank `engine`.
  template <auto Fn, class... A>
  auto apply_on(int engine, A&&... a) {
    return detail::call<detail::handler_of_fn<Fn>>(core(), checked(engine), nullptr,
                                                   std::forward<A>(a)...);
  }
  /// Runs the function-object type `F` on the engine of rank `engine`.
  template <class F, class... A>
  auto apply_on(int engine, A&&... a) {
    return detail::call<detail::handler_of_type<F>>(core(), checked(engine), nullptr,
                                                    std::forward<A>(a)...);
  }

  /// A direct view of one engine.
  direct_view view(int engine) { return direct_view(core(), {checked(engine)}); }
  /// A direct view of the listed engines, in the order given.
  direct_view view(const std::vector<int>& ranks) {
    for (int r : ranks) checked(r);
    return direct_view(core(), ranks);
  }
  /// A direct view of every live engine, in rank order.
  direct_view all() { return direct_view(core(), engines()); }

  /// A handle on `value` for tasks to take in its place (see shared.hpp): it crosses to each
  /// engine once, and the engines drop it once the last handle and task that takes it are gone.
  ///
  /// ```
  /// auto ref = hub.share(genome);                  // encoded once, here
  /// auto f = hub.apply<&count_motif>(ref, motif);  // count_motif(const genome_t&, std::string)
  /// ```
  template <class T>
  shared<T> share(const T& value) {
    return shared<T>::make(value);
  }

  /// Fails the listed tasks that have not started with task-aborted and returns how many it
  /// aborted. Waiting and ready tasks abort at once; tasks queued on an engine are recalled, and
  /// abort returns once their engines have answered (between two of their tasks). A task that
  /// has started runs on and is not counted, nor are finished tasks.
  ///
  /// ```
  /// auto a = hub.apply<&simulate>(1), b = hub.apply<&simulate>(2);
  /// std::size_t n = hub.abort({a.id(), b.id()});  // 2 unless one had started
  /// ```
  std::size_t abort(const std::vector<std::uint64_t>& ids);
  /// Aborts every unfinished task that has not started, as abort(ids) does; returns how many.
  std::size_t abort_all();
  /// Runs tasks again, finished or not (same function, arguments and options, without
  /// dependencies); returns the handles of the copies, which run on their own, in the same order.
  std::vector<task_handle> resubmit(const std::vector<std::uint64_t>& ids);
  /// Runs a task again, finished or not; the copy's future.
  template <class R>
  future<R> resubmit(const future<R>& f) {
    return future<R>(detail::state_of(resubmit(std::vector<std::uint64_t>{f.id()}).front()));
  }
  /// The task with this id, finished or not (throws taskhub::error for an unknown id, or one
  /// that finished and left the table once nothing held it).
  task_handle task(std::uint64_t id);
  /// The result of the task with this id, as a future of `R`.
  template <class R>
  future<R> get_result(std::uint64_t id) {
    return future<R>(detail::state_of(task(id)));
  }
  /// The tasks with these ids, in the order given (throws taskhub::error for an unknown id).
  std::vector<task_handle> tasks(const std::vector<std::uint64_t>& ids);
  /// The results of the tasks with these ids, as futures of `R`, in the order given.
  template <class R>
  std::vector<future<R>> results(const std::vector<std::uint64_t>& ids) {
    std::vector<future<R>> out;
    for (auto& t : tasks(ids)) out.push_back(future<R>(detail::state_of(t)));
    return out;
  }
  /// The records of every task that matches `q`, by id.
  std::vector<task_record> records(const record_query& q = {});
  /// The record of one task.
  task_record record(std::uint64_t id);
  /// Drops every finished task from the table (its record, result and arguments), except those
  /// that unfinished tasks depend on; returns how many. Futures you hold stay valid.
  std::size_t purge();
  /// Drops the listed tasks that have finished, except those that unfinished tasks depend on;
  /// returns how many. Unfinished and unknown ids are left alone.
  std::size_t purge(const std::vector<std::uint64_t>& ids);
  /// Per engine of the run (by rank), retired ones included: whether it is live, its tasks
  /// queued and running, and how many finished there done or failed since the run began.
  std::map<int, engine_counts> counts();
  /// How many tasks the hub's table holds: the unfinished ones, and the finished ones something
  /// still holds (a future or handle, a task waiting on it, a map's result) or that tasks
  /// submitted. A finished task that nothing holds leaves the table, as purge() would drop it.
  std::size_t tasks_held();
  /// The messages and bytes the hub sent and received, in all and with each engine.
  taskhub::traffic_report traffic();

  /// What the run waits for, in lines: the unfinished tasks and the parents they wait for, each
  /// engine's running, queued and nested-waiting tasks, what the client waits for, and a deadlock
  /// of nested waits when there is one (the report `--taskhub-watchdog` and SIGUSR1 print).
  ///
  /// ```
  /// if (!hub.wait(std::chrono::minutes(5))) std::cerr << hub.wait_report();
  /// ```
  std::string wait_report();

  /// Waits until every task submitted so far has finished or `timeout` passes; returns whether
  /// all have (IPython's `Client.wait()`).
  template <class Rep = long, class Period = std::ratio<1>>
  bool wait(std::chrono::duration<Rep, Period> timeout =
                std::chrono::duration<Rep, Period>::max()) {
    return wait_until(detail::deadline_after(timeout));
  }

 private:
  bool wait_until(detail::deadline until);
  int checked(int engine) const;
  const detail::client_core& core_ref() const {
    return const_cast<hub*>(this)->core();
  }
};

}  // namespace taskhub
