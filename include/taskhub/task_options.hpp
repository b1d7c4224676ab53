// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a load-balanced task may carry besides its function and arguments: graph dependencies,
// time-outs, retries, a priority, the engines it may run on (by tag or by rank), and isolation.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "taskhub/detail/function.hpp"
#include "taskhub/future.hpp"

namespace taskhub {

/// A set of parent tasks and when they count as met (IPython parallel's Dependency).
///
/// ```
/// taskhub::dependency(a, b)                                     // both succeeded
/// taskhub::dependency(a, b).any()                               // either succeeded
/// taskhub::dependency(a).success(false).failure(true)          // a failed (a cleanup task)
/// ```
class dependency {
 public:
  dependency() = default;
  /// Parents given as futures (or task_handles); the dependency holds them, so the hub keeps
  /// them until a task that depends on them has been taken.
  template <class... Tasks,
            class = std::enable_if_t<(std::is_base_of_v<task_handle, std::decay_t<Tasks>> && ...)>>
  explicit dependency(const Tasks&... parents)
      : ids_{parents.id()...}, held_{detail::state_of(parents)...} {}
  /// Parents given as futures.
  template <class Future,
            class = std::enable_if_t<std::is_base_of_v<task_handle, Future>>>
  explicit dependency(const std::vector<Future>& parents) {
    for (const auto& p : parents) {
      ids_.push_back(p.id());
      held_.push_back(detail::state_of(p));
    }
  }
  /// Parents given as task ids. A parent that finished and left the hub's table (nothing held
  /// it) is unknown to the hub, as one that purge() dropped: the task fails with
  /// invalid-dependency. Hold a parent's future, or depend on the future, to be sure.
  explicit dependency(std::vector<std::uint64_t> ids) : ids_(std::move(ids)) {}

  /// Met when every parent is met (the default).
  dependency& all() {
    is_all_ = true;
    return *this;
  }
  /// Met when one parent is met.
  dependency& any() {
    is_all_ = false;
    return *this;
  }
  /// Whether a parent that succeeded counts as met (default true).
  dependency& success(bool yes) {
    on_success_ = yes;
    return *this;
  }
  /// Whether a parent that failed (or was aborted) counts as met (default false).
  dependency& failure(bool yes) {
    on_failure_ = yes;
    return *this;
  }

  const std::vector<std::uint64_t>& ids() const { return ids_; }
  bool is_all() const { return is_all_; }
  bool on_success() const { return on_success_; }
  bool on_failure() const { return on_failure_; }
  bool empty() const { return ids_.empty(); }

 private:
  std::vector<std::uint64_t> ids_;
  std::vector<detail::task_ptr> held_;  // parents given as futures
  bool is_all_ = true, on_success_ = true, on_failure_ = false;
};

/// Options of load-balanced tasks: `hub.with(taskhub::task_options().after(dep).retries(2))`.
class task_options {
 public:
  using duration = std::chrono::microseconds;

  /// Start only when `d` is met.
  task_options& after(dependency d) {
    after_ = std::move(d);
    return *this;
  }
  /// Run only on an engine where the parents of `d` ran (and, like after, once they finished).
  task_options& follow(dependency d) {
    follow_ = std::move(d);
    return *this;
  }
  /// Fail with dependency-timeout if the task has not started after `d` (0: wait forever).
  template <class Rep, class Period>
  task_options& dependency_timeout(std::chrono::duration<Rep, Period> d) {
    dependency_timeout_ = std::chrono::duration_cast<duration>(d);
    return *this;
  }
  /// Fail with task-timeout if the task runs longer than `d`; a late result is discarded.
  template <class Rep, class Period>
  task_options& timeout(std::chrono::duration<Rep, Period> d) {
    timeout_ = std::chrono::duration_cast<duration>(d);
    return *this;
  }
  /// Run a failed task again, up to `n` times, each time on an engine it has not failed on; when
  /// none is left it fails with impossible-dependency (IPython parallel's rule).
  task_options& retries(int n) {
    retries_ = n < 0 ? 0 : n;
    return *this;
  }
  /// Let retries run on engines the task already failed on once no other is left (for failures
  /// that do not depend on the engine, such as a flaky command).
  task_options& retries_anywhere(bool yes = true) {
    retries_anywhere_ = yes;
    return *this;
  }
  /// Ready tasks of higher priority are sent first (default 0).
  task_options& priority(int p) {
    priority_ = p;
    return *this;
  }
  /// Run in the engine's runner process, so that a crash, an exit or running out of memory fails
  /// this task alone (taskhub::failure::task_crash, failure::out_of_memory) and the engine serves
  /// on. The run must prepare runners: `--taskhub-isolate=on-request` (or `all`, which isolates
  /// every task). See doc/guide.md, "Isolated tasks".
  task_options& isolated(bool yes = true) {
    is_isolated_ = yes;
    return *this;
  }
  /// Run only on engines that advertise every one of `tags`.
  task_options& require_tags(std::vector<std::string> tags) {
    tags_ = std::move(tags);
    return *this;
  }
  /// Run only on the engines of these ranks (what a load-balanced view of chosen engines gives
  /// its tasks); retries, tags and follow choose among them. Empty: any engine.
  task_options& targets(std::vector<int> ranks) {
    targets_ = std::move(ranks);
    return *this;
  }
  /// Run only where the shipped predicate `Pred` (a function `bool()`) returns true on the engine.
  template <auto Pred>
  task_options& require() {
    using handler = detail::handler_of_fn<Pred>;
    static_assert(std::is_same_v<typename handler::sig::result, bool> && handler::sig::arity == 0,
                  "A requirement must be a function that takes nothing and returns bool.");
    requirements_.push_back(handler::id);
    return *this;
  }

  /// Keep the result on the engine that made it: the client gets it only when it asks (get()
  /// fetches it from there), and tasks that take the future as an argument read it there or
  /// from that engine directly. See doc/guide.md, "Results as arguments, results kept on
  /// engines".
  ///
  /// ```
  /// auto kept = hub.with(taskhub::task_options().keep_remote());
  /// auto a = kept.apply<&make_block>(1);   // a 1 MiB block stays on its engine
  /// auto s = hub.apply<&checksum>(a);      // runs once a succeeded, reads the block there
  /// ```
  task_options& keep_remote(bool yes = true) {
    is_kept_remote_ = yes;
    return *this;
  }

  /// What identifies the task in the journal: a resumed run answers it from an earlier run's
  /// outcome of the same function and key (by default the encoded arguments identify it).
  task_options& journal_key(std::string key) {
    journal_key_ = std::move(key);
    return *this;
  }

  /// What people call the task: the journal keeps it and taskhub-report shows it in place of
  /// the function's name (`opts.label("make all (line 3)")`). It does not identify the task.
  task_options& label(std::string text) {
    label_ = std::move(text);
    return *this;
  }

  /// Replaces the requirement handler ids (for decoding options sent over the wire).
  task_options& set_requirements(std::vector<std::uint64_t> ids) {
    requirements_ = std::move(ids);
    return *this;
  }

  const dependency& after() const { return after_; }
  const dependency& follow() const { return follow_; }
  duration dependency_timeout() const { return dependency_timeout_; }
  duration timeout() const { return timeout_; }
  int retries() const { return retries_; }
  bool retries_anywhere() const { return retries_anywhere_; }
  int priority() const { return priority_; }
  const std::vector<std::string>& tags() const { return tags_; }
  const std::vector<int>& targets() const { return targets_; }
  const std::vector<std::uint64_t>& requirements() const { return requirements_; }
  const std::string& journal_key() const { return journal_key_; }
  const std::string& label() const { return label_; }
  bool is_isolated() const { return is_isolated_; }
  bool is_kept_remote() const { return is_kept_remote_; }
  /// Whether these are the defaults (a plain task).
  bool is_plain() const {
    return after_.empty() && follow_.empty() && dependency_timeout_.count() == 0 &&
           timeout_.count() == 0 && retries_ == 0 && !retries_anywhere_ && priority_ == 0 &&
           tags_.empty() && targets_.empty() && requirements_.empty() && journal_key_.empty() &&
           label_.empty() && !is_isolated_ && !is_kept_remote_;
  }

 private:
  dependency after_, follow_;
  duration dependency_timeout_{0}, timeout_{0};
  int retries_ = 0, priority_ = 0;
  bool retries_anywhere_ = false, is_isolated_ = false, is_kept_remote_ = false;
  std::vector<std::string> tags_;
  std::vector<int> targets_;
  std::vector<std::uint64_t> requirements_;
  std::string journal_key_;
  std::string label_;
};

}  // namespace taskhub
