// SPDX-License-Identifier: MIT
// Part of taskhub.
// Futures of tasks: get, wait, and where and when a task ran.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <iterator>
#include <utility>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/timing.hpp"

namespace taskhub {
class task_handle;
namespace detail {
task_ptr state_of(const task_handle& h);
/// The kept result of `t`, fetched from the engine that keeps it (defined in the runtime).
bytes fetch_kept(const task_data& t);
}

/// What every future says about its task, whatever the result type.
class task_handle {
 public:
  using clock = std::chrono::system_clock;
  using seconds = std::chrono::duration<double>;

  task_handle() = default;
  explicit task_handle(detail::task_ptr s) : s_(std::move(s)) {}

  /// Whether the task has finished (succeeded or failed).
  bool ready() const { return s_->is_ready(); }
  /// Whether the task finished and failed.
  bool failed() const { return s_->status.load() == detail::task_status::failed; }
  /// Blocks until the task has finished.
  void wait() const { detail::wait_ready(*s_, detail::never()); }
  /// Blocks until the task has finished or `d` has passed; returns ready().
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    return detail::wait_ready(*s_, detail::deadline_after(d));
  }
  /// The task's id in the hub's table.
  std::uint64_t id() const { return s_->id; }
  /// The rank of the engine that ran the task (-1 until it finished).
  int engine() const { return ready() ? s_->engine : -1; }
  /// When the client submitted the task.
  clock::time_point submitted() const { return s_->submitted; }
  /// When the engine started the task (the engine's clock; epoch until finished).
  clock::time_point started() const { return at(ready() ? s_->started_us : 0); }
  /// When the engine completed the task (the engine's clock; epoch until finished).
  clock::time_point completed() const { return at(ready() ? s_->completed_us : 0); }
  /// Seconds since submission: until now, or until the task completed.
  seconds elapsed() const { return ready() ? span().wall() : span().until_now(); }
  /// Seconds from submission to completion (throws timeout_error before the task finished).
  seconds wall_time() const { return finished_span("wall_time").wall(); }
  /// Seconds the task ran on its engine (throws timeout_error before the task finished).
  seconds serial_time() const { return finished_span("serial_time").serial(); }
  /// Aborts the task if it has not started (see hub::abort); returns whether this call aborted
  /// it. A task queued on an engine is recalled: this returns once the engine has answered.
  bool abort() const {
    if (ready()) return false;
    if (!s_->core)
      throw taskhub::error("task " + std::to_string(id()) + " cannot be aborted from here");
    return detail::abort_tasks(*s_->core, {id()}) == 1;
  }
  /// The error of a failed task (waits for the task first; throws taskhub::error if it succeeded).
  remote_error error() const {
    wait();
    if (!failed()) throw taskhub::error("task " + std::to_string(id()) + " did not fail");
    return detail::failure_of(*s_);
  }

  const detail::task_data& state() const { return *s_; }
  friend detail::task_ptr detail::state_of(const task_handle& h);

 protected:
  /// Waits for the task until `d` has passed; throws timeout_error if it has not finished.
  template <class Rep, class Period>
  void wait_or_throw(std::chrono::duration<Rep, Period> d) const {
    if (!wait_for(d))
      throw timeout_error("task " + std::to_string(id()) + " did not finish in time");
  }
  void rethrow_if_failed() const {
    wait();
    if (failed()) throw detail::failure_of(*s_);
  }
  detail::time_span span() const {
    detail::time_span t;
    t.submitted(s_->submitted);
    if (ready()) t.finished(*s_);
    return t;
  }
  detail::time_span finished_span(const char* what) const {
    if (!ready())
      throw timeout_error(std::string(what) + ": task " + std::to_string(id()) +
                          " has not finished");
    return span();
  }
  static clock::time_point at(std::int64_t us) {
    return clock::time_point(std::chrono::microseconds(us));
  }
  detail::task_ptr s_;
};

/// The result of a task that runs elsewhere.
///
/// ```
/// taskhub::future<double> f = hub.apply<&integrate>(0.0, 1.0);
/// double v = f.get();  // waits; rethrows a remote_error if the task threw
/// ```
template <class R>
class future : public task_handle {
 public:
  using value_type = R;
  using task_handle::task_handle;

  /// Waits for the result and returns it; throws remote_error if the task failed. A result kept
  /// on its engine (task_options::keep_remote) is fetched from there at each call.
  R get() const {
    rethrow_if_failed();
    if constexpr (!std::is_void_v<R>) {
      if (s_->kept_on >= 0) {  // kept on its engine (task_options::keep_remote): fetched now
        const detail::bytes kept = detail::fetch_kept(*s_);
        detail::reader in(kept.data(), kept.size());
        return detail::decode_whole<R>(in, "the result");
      }
      detail::reader in = s_->result();
      return detail::decode_whole<R>(in, "the result");
    }
  }
  /// Waits at most `timeout` for the result; throws timeout_error if it has not come (the task
  /// goes on, and a later get() returns it).
  template <class Rep, class Period>
  R get(std::chrono::duration<Rep, Period> timeout) const {
    wait_or_throw(timeout);
    return get();
  }
};

namespace detail {
inline task_ptr state_of(const task_handle& h) { return h.s_; }
}  // namespace detail

/// Waits until every future in `fs` is ready or `timeout` passes; returns whether all are.
template <class Future, class Rep = long, class Period = std::ratio<1>>
bool wait(const std::vector<Future>& fs,
          std::chrono::duration<Rep, Period> timeout = std::chrono::duration<Rep, Period>::max()) {
  const auto until = detail::deadline_after(timeout);
  for (const auto& f : fs)
    if (!detail::wait_ready(f.state(), until)) return false;
  return true;
}

/// Futures in the order they finish: `for (auto& f : taskhub::as_completed(fs)) f.get();`.
template <class Future>
class as_completed {
 public:
  explicit as_completed(std::vector<Future> fs) : pending_(std::move(fs)) {}

  class iterator {
   public:
    using value_type = Future;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    iterator() = default;
    explicit iterator(as_completed* owner) : owner_(owner) { advance(); }
    const Future& operator*() const { return current_; }
    const Future* operator->() const { return &current_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    bool operator==(const iterator& o) const { return owner_ == o.owner_; }
    bool operator!=(const iterator& o) const { return owner_ != o.owner_; }

   private:
    void advance() {
      if (!owner_->next(current_)) owner_ = nullptr;
    }
    as_completed* owner_ = nullptr;
    Future current_;
  };

  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  // Moves every finished future from pending_ to finished_ in one scan; waits when none is.
  bool next(Future& out) {
    while (finished_.empty()) {
      if (pending_.empty()) return false;
      std::vector<const detail::task_data*> states;
      for (std::size_t i = 0; i < pending_.size();) {
        if (pending_[i].ready()) {
          finished_.push_back(std::move(pending_[i]));
          pending_[i] = std::move(pending_.back());
          pending_.pop_back();
        } else {
          states.push_back(&pending_[i++].state());
        }
      }
      if (finished_.empty()) detail::wait_any_ready(states, detail::never());
    }
    out = std::move(finished_.front());
    finished_.pop_front();
    return true;
  }

  std::vector<Future> pending_;
  std::deque<Future> finished_;
};

}  // namespace taskhub
