// SPDX-License-Identifier: MIT
// Part of taskhub.
// A map's results, in order or as they arrive.
#pragma once

#include <algorithm>
#include <chrono>
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
#include "taskhub/map_progress.hpp"

namespace taskhub {

/// How a map runs: `taskhub::map_options().unordered().chunksize(16)`.
class map_options {
 public:
  /// Deliver results as they arrive instead of in input order.
  map_options& unordered(bool yes = true) {
    is_ordered_ = !yes;
    return *this;
  }
  /// Items sent together to one engine (default 1): larger chunks cut scheduling and messages
  /// for tiny functions. Each item stays a task of its own.
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
  /// Calls `hook` with the map's progress (items done and failed of how many), on the thread
  /// that reads the results (a loop, get(), next()) while it reads or waits for them: at most
  /// once every `every`, and once more when the last item has finished.
  ///
  /// ```
  /// auto ys = hub.map<&f>(taskhub::map_options().progress([](const taskhub::map_progress& p) {
  ///   std::printf("%zu of %zu\n", p.done, p.total);
  /// }), xs).get();
  /// ```
  template <class Rep = long long, class Period = std::ratio<1>>
  map_options& progress(map_progress_fn hook,
                        std::chrono::duration<Rep, Period> every = std::chrono::seconds(1)) {
    progress_ = std::move(hook);
    every_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(every);
    return *this;
  }
  /// Shows the progress on stderr (show_map_progress) every `every`.
  template <class Rep = long long, class Period = std::ratio<1>>
  map_options& show_progress(std::chrono::duration<Rep, Period> every = std::chrono::seconds(1)) {
    return progress(show_map_progress, every);
  }
  bool is_ordered() const { return is_ordered_; }
  std::size_t chunk() const { return chunksize_; }
  std::size_t outstanding() const { return max_outstanding_; }
  const map_progress_fn& progress_hook() const { return progress_; }
  std::chrono::steady_clock::duration progress_interval() const { return every_; }

 private:
  bool is_ordered_ = true;
  std::size_t chunksize_ = 1;
  std::size_t max_outstanding_ = 1024;
  map_progress_fn progress_;
  std::chrono::steady_clock::duration every_ = std::chrono::seconds(1);
};

/// One item of a map: its index in the input and either its value or its error.
template <class R>
struct outcome {
  std::size_t index = 0;
  std::optional<R> value;
  std::optional<remote_error> error;
  bool ok() const { return value.has_value(); }
};

/// The results of a map or imap. Every item is a task of its own (its id, its record, its
/// failure, its retries). Iterate it (values as they arrive; a failed item throws its
/// remote_error when reached), iterate `return_exceptions()` (outcomes, failures as values), or
/// call `get()` (every value in input order, or a map_error naming every failed index).
///
/// A map's result keeps every outcome: it can be read again, and gives the same values and the
/// same error every time; its tasks stay in the hub's table while it lives. An imap's result is
/// a stream, as Python's `imap` is: what a loop or `get()` read is gone (and its task may leave
/// the hub's table), and a later loop goes on where the last stopped.
///
/// ```
/// for (double y : hub.map<&f>(xs)) use(y);
/// ```
template <class R>
class map_result {
 public:
  /// Submits the next chunk of items; returns false when the input is exhausted.
  using refill_fn = std::function<bool(map_result&)>;

  /// `is_stream`: outcomes are dropped once read (imap).
  map_result(map_options opts, bool is_stream, refill_fn refill)
      : opts_(std::move(opts)), refill_(std::move(refill)), is_stream_(is_stream) {
    next_report_ = std::chrono::steady_clock::now() + opts_.progress_interval();
    fill();
  }
  map_result(map_result&&) = default;
  map_result& operator=(map_result&&) = default;

  /// Records the task of the next item.
  void add_item(task_handle task) {
    times_.submitted(task.submitted());
    if (!is_stream_) tasks_.push_back(task);
    pending_.push_back({items_++, std::move(task)});
  }

  /// The number of items submitted so far: every item of a map, those read yet of an imap.
  std::size_t size() const { return items_; }
  /// The task ids of the items, in input order (of an imap: of the items not yet delivered).
  std::vector<std::uint64_t> ids() const {
    std::vector<std::uint64_t> ids;
    if (!is_stream_) {
      for (const auto& t : tasks_) ids.push_back(t.id());
      return ids;
    }
    for (const auto& p : pending_) ids.push_back(p.task.id());
    return ids;
  }
  /// Whether every item has been submitted and has finished.
  bool ready() const {
    return is_exhausted_ && std::all_of(pending_.begin(), pending_.end(),
                                        [](const item& p) { return p.task.ready(); });
  }
  /// Seconds since the first submission: until now, or until the last item finished.
  task_handle::seconds elapsed() const { return ready() ? all_times().wall() : times_.until_now(); }
  /// Seconds from the first submission to the last completion (throws timeout_error before
  /// every item has finished).
  task_handle::seconds wall_time() const { return finished_times("wall_time").wall(); }
  /// The sum of the items' run times on the engines (throws timeout_error before every item has
  /// finished).
  task_handle::seconds serial_time() const { return finished_times("serial_time").serial(); }

  /// Aborts the items that have not started, as hub::abort does: they fail with task-aborted
  /// and are delivered as such; returns how many it aborted. Items that started run on. An imap
  /// reads no more of its input.
  std::size_t abort() {
    is_exhausted_ = true;
    std::vector<std::uint64_t> ids;
    detail::client_core* core = nullptr;
    for (const auto& p : pending_) {
      if (p.task.ready()) continue;
      ids.push_back(p.task.id());
      core = p.task.state().core;
    }
    if (ids.empty() || !core) return 0;
    return detail::abort_tasks(*core, ids);
  }

  /// The next outcome in delivery order (its own position, apart from loops); false when all
  /// are delivered.
  bool next(outcome<R>& out) { return read(cursor_, out, detail::never()) == step::taken; }

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
      if (owner_->read(at_, o, detail::never()) != step::taken) {
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
    std::size_t at_ = 0;  // the delivery position it reads next
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
  struct item {
    std::size_t index;
    task_handle task;
  };
  enum class step { taken, exhausted, timed_out };

  // Submits chunks while a whole one fits under max_outstanding (items submitted and not yet
  // read once).
  void fill() {
    const std::size_t limit = opts_.outstanding(), whole = std::min(opts_.chunk(), limit);
    while (!is_exhausted_ && items_ - consumed_ <= limit - whole) {
      if (!refill_(*this)) is_exhausted_ = true;
    }
  }

  // Waits until the outcome at delivery position `pos` is there (taken), every item is
  // delivered (exhausted), or `until` passes (timed_out).
  step reach(std::size_t pos, detail::deadline until) {
    for (;;) {
      fill();
      if (pos < dropped_ + delivered_.size()) {
        consumed_ = std::max(consumed_, pos + 1);  // its place may be refilled at the next call
        return step::taken;
      }
      if (pending_.empty()) return step::exhausted;
      if (!deliver_reporting(until)) return step::timed_out;
    }
  }

  // deliver(), calling the progress hook when due while it waits, and after.
  bool deliver_reporting(detail::deadline until) {
    if (!opts_.progress_hook()) return deliver(until);
    for (;;) {
      const bool is_report_first = next_report_ < until;
      const bool took = deliver(is_report_first ? next_report_ : until);
      report_progress();
      if (took) return true;
      if (!is_report_first) return false;
    }
  }

  // Calls the progress hook if it is due, or if every item has finished (once).
  void report_progress() {
    map_progress p;
    p.total = items_;
    p.is_total_known = is_exhausted_;
    p.done = dropped_ + delivered_.size();
    p.failed = failed_;
    const bool is_last = p.is_total_known && p.done == p.total;
    const auto now = std::chrono::steady_clock::now();
    if (has_reported_end_ || (!is_last && now < next_report_)) return;
    for (const auto& i : pending_) {  // finished, not yet delivered (behind a slower one)
      if (!i.task.ready()) continue;
      ++p.done;
      if (i.task.failed()) ++p.failed;
    }
    p.elapsed = times_.until_now().count();
    has_reported_end_ = p.is_finished();  // perhaps before the last items are delivered
    next_report_ = now + opts_.progress_interval();
    opts_.progress_hook()(p);
  }

  // Reads the outcome at `pos` (of a stream: the next one) and moves `pos` past it.
  step read(std::size_t& pos, outcome<R>& out, detail::deadline until) {
    if (is_stream_) pos = dropped_;
    const step s = reach(pos, until);
    if (s != step::taken) return s;
    if (is_stream_) {
      out = std::move(delivered_.front());
      delivered_.pop_front();
      ++dropped_;
    } else {
      out = delivered_[pos - dropped_];
    }
    ++pos;
    return s;
  }

  // Reads every outcome not yet read (of a map: all of them), in input order. An imap drops
  // them only when all are there, so a timed-out call loses nothing.
  std::vector<R> get_until(detail::deadline until) {
    const std::size_t from = is_stream_ ? dropped_ : 0;
    for (std::size_t pos = from;; ++pos) {
      const step s = reach(pos, until);
      if (s == step::exhausted) break;
      if (s == step::timed_out)
        throw timeout_error("map: " + std::to_string(pending_.size()) +
                            " item(s) had not finished in time");
    }
    std::vector<const outcome<R>*> by_index;
    for (std::size_t pos = from - dropped_; pos < delivered_.size(); ++pos)
      by_index.push_back(&delivered_[pos]);
    std::sort(by_index.begin(), by_index.end(),
              [](const outcome<R>* a, const outcome<R>* b) { return a->index < b->index; });
    std::vector<std::pair<std::size_t, remote_error>> failures;
    for (const auto* o : by_index)
      if (!o->ok()) failures.emplace_back(o->index, *o->error);
    if (!failures.empty()) {
      if (is_stream_) drop_delivered();
      throw map_error(std::move(failures));
    }
    std::vector<R> values;
    values.reserve(by_index.size());
    for (const auto* o : by_index) values.push_back(*o->value);
    if (is_stream_) drop_delivered();
    return values;
  }

  void drop_delivered() {
    dropped_ += delivered_.size();
    delivered_.clear();
  }

  // Moves finished items from pending_ to delivered_: in order, the first one; unordered,
  // every finished one, in one scan. Waits until `until` when none has finished; returns false
  // if none finished by then.
  bool deliver(detail::deadline until) {
    if (opts_.is_ordered()) {
      if (!detail::wait_ready(pending_.front().task.state(), until)) return false;
      take(pending_.front());
      pending_.pop_front();
      return true;
    }
    for (;;) {
      std::vector<const detail::task_data*> waiting;
      std::size_t kept = 0;
      for (auto& p : pending_) {
        if (p.task.ready()) {
          take(p);
        } else {
          waiting.push_back(&p.task.state());
          if (&pending_[kept] != &p) pending_[kept] = std::move(p);
          ++kept;
        }
      }
      const bool took = kept < pending_.size();
      pending_.resize(kept);
      if (took) return true;
      if (detail::wait_any_ready(waiting, until) < 0) return false;
    }
  }

  void take(const item& p) {
    const auto& s = p.task.state();
    times_.finished(s);
    outcome<R> o;
    o.index = p.index;
    if (p.task.failed()) {
      ++failed_;
      o.error = detail::failure_of(s);
    } else {
      try {
        detail::reader in = s.result();
        o.value = detail::decode_whole<R>(in, "the result");
      } catch (const decode_error& e) {
        o.error = remote_error("taskhub::decode_error", e.what(), s.engine,
                               detail::handler_name(s.handler), s.id);
        ++failed_;
      }
    }
    delivered_.push_back(std::move(o));
  }

  detail::time_span all_times() const {
    auto t = times_;
    for (const auto& p : pending_) t.finished(p.task.state());
    return t;
  }
  detail::time_span finished_times(const char* what) const {
    if (!ready()) throw timeout_error(std::string(what) + ": the map has not finished");
    return all_times();
  }

  map_options opts_;
  refill_fn refill_;
  bool is_stream_;
  std::deque<item> pending_;         // submitted, not yet delivered, in input order
  std::deque<outcome<R>> delivered_;  // in delivery order, from position dropped_ on
  std::size_t dropped_ = 0;           // outcomes a stream has read and let go
  std::size_t items_ = 0;             // items submitted
  std::size_t consumed_ = 0;          // delivery positions read at least once
  std::size_t cursor_ = 0;            // next()'s position
  std::vector<task_handle> tasks_;    // of every item, unless a stream: held for the table
  bool is_exhausted_ = false;
  detail::time_span times_;  // of the submitted items, and of those delivered
  std::size_t failed_ = 0;   // delivered items that failed
  std::chrono::steady_clock::time_point next_report_;  // of the progress hook
  bool has_reported_end_ = false;
};

}  // namespace taskhub
