// SPDX-License-Identifier: MIT
// Part of taskhub.
// A map's results, in order or as they arrive.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "taskhub/future.hpp"

namespace taskhub {

/// How a map runs: `taskhub::map_options().unordered().chunksize(16)`.
class map_options {
 public:
  /// Deliver results as they arrive instead of in input order.
  map_options& unordered(bool yes = true) {
    is_ordered_ = !yes;
    return *this;
  }
  /// Items per task (default 1): larger chunks cut per-task overhead for tiny functions.
  map_options& chunksize(std::size_t n) {
    chunksize_ = n == 0 ? 1 : n;
    return *this;
  }
  /// For imap: the most items submitted and not yet consumed (default 1024); a chunk larger than
  /// this is cut to it.
  map_options& max_outstanding(std::size_t n) {
    max_outstanding_ = n == 0 ? 1 : n;
    return *this;
  }
  bool is_ordered() const { return is_ordered_; }
  std::size_t chunk() const { return chunksize_; }
  std::size_t outstanding() const { return max_outstanding_; }

 private:
  bool is_ordered_ = true;
  std::size_t chunksize_ = 1;
  std::size_t max_outstanding_ = 1024;
};

/// One item of a map: its index in the input and either its value or its error.
template <class R>
struct outcome {
  std::size_t index = 0;
  std::optional<R> value;
  std::optional<remote_error> error;
  bool ok() const { return value.has_value(); }
};

/// The results of a map or imap, consumed once: iterate it (values as they arrive), iterate
/// `return_exceptions()` (outcomes, failures as values), or call `get()` (every value in input
/// order, or a map_error naming every failed index).
///
/// ```
/// for (double y : hub.map<&f>(xs)) use(y);
/// ```
template <class R>
class map_result {
 public:
  /// Submits one more chunk; returns false when the input is exhausted.
  using refill_fn = std::function<bool(map_result&)>;

  map_result(map_options opts, refill_fn refill) : opts_(opts), refill_(std::move(refill)) {
    fill();
  }
  map_result(map_result&&) = default;
  map_result& operator=(map_result&&) = default;

  /// Records a submitted chunk covering `count` items from index `first`.
  void add_chunk(task_handle task, std::size_t first, std::size_t count) {
    times_.submitted(task.submitted());
    chunks_.push_back({std::move(task), first, count});
    outstanding_items_ += count;
    items_ += count;
  }

  /// The number of items submitted so far: every item of a map, those read yet of an imap.
  std::size_t size() const { return items_; }
  /// Whether every item has been submitted and has finished.
  bool ready() const {
    return is_exhausted_ && std::all_of(chunks_.begin(), chunks_.end(),
                                        [](const chunk& c) { return c.task.ready(); });
  }
  /// Seconds since the first submission: until now, or until the last item finished.
  task_handle::seconds elapsed() const { return ready() ? all_times().wall() : times_.until_now(); }
  /// Seconds from the first submission to the last completion (throws timeout_error before
  /// every item has finished).
  task_handle::seconds wall_time() const { return finished_times("wall_time").wall(); }
  /// The sum of the tasks' run times on the engines (throws timeout_error before every item has
  /// finished).
  task_handle::seconds serial_time() const { return finished_times("serial_time").serial(); }

  /// The next outcome in delivery order; false when all are delivered.
  bool next(outcome<R>& out) { return next_until(out, detail::never()) == step::taken; }

  /// Every value in input order; throws map_error listing every failed index.
  std::vector<R> get() { return get_until(detail::never()); }
  /// Like get(), waiting at most `timeout`; throws timeout_error if some items have not finished
  /// by then (they go on, and a later get() returns every value).
  template <class Rep, class Period>
  std::vector<R> get(std::chrono::duration<Rep, Period> timeout) {
    return get_until(detail::deadline_after(timeout));
  }

  template <class T, bool IsValue>
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    iterator() = default;
    explicit iterator(map_result* owner) : owner_(owner) { ++*this; }
    T& operator*() { return current_; }
    T* operator->() { return &current_; }
    iterator& operator++() {
      outcome<R> o;
      if (!owner_->next(o)) {
        owner_ = nullptr;
      } else if constexpr (IsValue) {
        if (!o.ok()) throw *o.error;
        current_ = std::move(*o.value);
      } else {
        current_ = std::move(o);
      }
      return *this;
    }
    bool operator==(const iterator& o) const { return owner_ == o.owner_; }
    bool operator!=(const iterator& o) const { return owner_ != o.owner_; }

   private:
    map_result* owner_ = nullptr;
    T current_{};
  };

  /// Values as they arrive; a failed item throws its remote_error when reached.
  iterator<R, true> begin() { return iterator<R, true>(this); }
  iterator<R, true> end() { return {}; }

  /// The return-exceptions mode: outcomes as they arrive, failures as values.
  struct outcome_range {
    std::unique_ptr<map_result> owned;  // set when made from a temporary map_result
    map_result* owner;
    iterator<outcome<R>, false> begin() { return iterator<outcome<R>, false>(owner); }
    iterator<outcome<R>, false> end() { return {}; }
  };
  outcome_range return_exceptions() & { return {nullptr, this}; }
  outcome_range return_exceptions() && {
    auto owned = std::make_unique<map_result>(std::move(*this));
    auto* owner = owned.get();
    return {std::move(owned), owner};
  }

 private:
  struct chunk {
    task_handle task;
    std::size_t first, count;
  };

  // Submits chunks while a whole one fits under max_outstanding (items submitted and not yet
  // consumed, whether their chunk is still out or their outcome waits in ready_).
  void fill() {
    const std::size_t limit = opts_.outstanding(), whole = std::min(opts_.chunk(), limit);
    while (!is_exhausted_ && outstanding_items_ <= limit - whole) {
      if (!refill_(*this)) is_exhausted_ = true;
    }
  }

  enum class step { taken, exhausted, timed_out };

  // The next outcome in delivery order, waiting for it until `until`.
  step next_until(outcome<R>& out, detail::deadline until) {
    fill();
    while (ready_.empty()) {
      if (chunks_.empty()) return step::exhausted;
      if (opts_.is_ordered()) {
        if (!detail::wait_ready(chunks_.front().task.state(), until)) return step::timed_out;
        take_chunk(chunks_.front());
        chunks_.pop_front();
      } else if (!take_finished_chunks(until)) {
        return step::timed_out;
      }
      fill();
    }
    out = std::move(ready_.front());
    ready_.pop_front();
    --outstanding_items_;  // consumed: its place may be refilled at the next call
    return step::taken;
  }

  // Collects outcomes into slots_ and failures_, which keep what a timed-out call collected.
  std::vector<R> get_until(detail::deadline until) {
    outcome<R> o;
    for (step s; (s = next_until(o, until)) != step::exhausted;) {
      if (s == step::timed_out)
        throw timeout_error("map: " + std::to_string(chunks_.size()) +
                            " task(s) had not finished in time");
      if (slots_.size() <= o.index) slots_.resize(o.index + 1);
      if (o.ok()) {
        slots_[o.index] = std::move(o.value);
      } else {
        failures_.emplace_back(o.index, std::move(*o.error));
      }
    }
    if (!failures_.empty()) {  // consumed: a later call finds nothing left
      auto failures = std::move(failures_);
      failures_.clear();
      slots_.clear();
      std::sort(failures.begin(), failures.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      throw map_error(std::move(failures));
    }
    std::vector<R> values;
    values.reserve(slots_.size());
    for (auto& s : slots_) values.push_back(std::move(*s));
    slots_.clear();
    return values;
  }

  detail::time_span all_times() const {
    auto t = times_;
    for (const auto& c : chunks_) t.finished(c.task.state());
    return t;
  }
  detail::time_span finished_times(const char* what) const {
    if (!ready()) throw timeout_error(std::string(what) + ": the map has not finished");
    return all_times();
  }

  // Takes every chunk that has finished, in one scan; waits until `until` when none has and
  // returns false if none finished by then.
  bool take_finished_chunks(detail::deadline until) {
    for (;;) {
      std::vector<const detail::task_data*> waiting;
      std::size_t kept = 0;
      for (auto& c : chunks_) {
        if (c.task.ready()) {
          take_chunk(c);
        } else {
          waiting.push_back(&c.task.state());
          if (&chunks_[kept] != &c) chunks_[kept] = std::move(c);
          ++kept;
        }
      }
      chunks_.resize(kept);
      if (!ready_.empty() || chunks_.empty()) return true;
      if (detail::wait_any_ready(waiting, until) < 0) return false;
    }
  }

  void take_chunk(chunk& c) {
    c.task.wait();
    const auto& s = c.task.state();
    times_.finished(s);
    if (c.task.failed()) {  // the whole chunk failed (e.g. unknown function): every item fails
      for (std::size_t k = 0; k < c.count; ++k)
        ready_.push_back({c.first + k, std::nullopt, detail::failure_of(s)});
      return;
    }
    detail::reader in = s.result();
    for (std::size_t k = 0; k < c.count; ++k) {
      outcome<R> o;
      o.index = c.first + k;
      try {
        if (detail::decode<char>(in) != 0) {
          o.value = detail::decode<R>(in);
        } else {
          auto type = detail::decode<std::string>(in);
          auto text = detail::decode<std::string>(in);
          o.error = remote_error(std::move(type), std::move(text), s.engine,
                                 detail::handler_name(s.handler) + " item " +
                                     std::to_string(o.index),
                                 s.id);
        }
      } catch (const decode_error& e) {
        o.value.reset();
        o.error = remote_error("taskhub::decode_error", e.what(), s.engine,
                               detail::handler_name(s.handler), s.id);
      }
      ready_.push_back(std::move(o));
    }
    if (in.remaining() != 0) {  // the items were encoded as another type: none can be trusted
      for (std::size_t k = 0; k < c.count; ++k) {
        auto& o = ready_[ready_.size() - c.count + k];
        o.value.reset();
        o.error = remote_error("taskhub::decode_error",
                               "the results of a chunk have " + std::to_string(in.remaining()) +
                                   " bytes left over: they were encoded as another type",
                               s.engine, detail::handler_name(s.handler), s.id);
      }
    }
  }

  map_options opts_;
  refill_fn refill_;
  std::deque<chunk> chunks_;
  std::deque<outcome<R>> ready_;
  std::size_t outstanding_items_ = 0, items_ = 0;
  bool is_exhausted_ = false;
  detail::time_span times_;  // of the chunks taken
  std::vector<std::optional<R>> slots_;  // what get() collected so far, by index
  std::vector<std::pair<std::size_t, remote_error>> failures_;
};

}  // namespace taskhub
