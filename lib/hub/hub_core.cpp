// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "hub/hub_core.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <limits>
#include <unordered_set>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/backoff.hpp"
#include "taskhub/detail/block_pool.hpp"
#include "core/options_codec.hpp"
#include "taskhub/hub.hpp"
#include "taskhub/task_options.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t max_batch_records = 64;
constexpr std::size_t max_batch_bytes = 1u << 20;
constexpr std::uint32_t attempt_mask = ~has_requirements_flag;
constexpr std::uint64_t local_id_limit = std::uint64_t(1) << 48;  // ids of tasks of tasks are above

// Wakes clients blocked on futures. A client blocking on one task marks it awaited; one waiting
// for any of several counts itself in `any_waiters`. The hub notifies once per batch, and only
// when one of those could be waiting.
struct completion_signal {
  std::mutex m;
  std::condition_variable cv;
  std::atomic<int> any_waiters{0};

  void notify() {
    { std::lock_guard<std::mutex> lock(m); }
    cv.notify_all();
  }
  // Yields for a moment first: a short task's result often arrives within microseconds.
  template <class Ready>
  static bool spin(Ready&& is_ready) {
    static const auto spin = std::chrono::microseconds(
        std::getenv("TASKHUB_CLIENT_SPIN_US") ? std::atol(std::getenv("TASKHUB_CLIENT_SPIN_US")) : 50);
    const auto spin_until = std::chrono::steady_clock::now() + spin;
    while (std::chrono::steady_clock::now() < spin_until) {
      if (is_ready()) return true;
      std::this_thread::yield();
    }
    return is_ready();
  }
  // Blocks; the caller has announced itself (is_awaited or any_waiters) first.
  template <class Ready>
  bool block(Ready&& is_ready, deadline until) {
    std::unique_lock<std::mutex> lock(m);
    if (until == deadline::max()) {
      cv.wait(lock, is_ready);
      return true;
    }
    return cv.wait_until(lock, until, is_ready);
  }
};

completion_signal& completions() {
  static completion_signal c;
  return c;
}

thread_local bool is_in_pass = false;  // this thread runs a pass: it may not start another
thread_local unsigned submits_since_wait = 0;  // this thread's submissions since it last helped

// A received batch shared by the tasks whose results it holds; recycled when the last goes.
struct held_batch {
  bytes data;
  explicit held_batch(bytes b) : data(std::move(b)) {}
  ~held_batch() { recycle_buffer(std::move(data)); }
};

std::shared_ptr<const bytes> shared_batch(bytes b) {
  auto held = std::make_shared<held_batch>(std::move(b));
  return std::shared_ptr<const bytes>(held, &held->data);
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool is_finished(int state) {
  const auto s = static_cast<task_state_kind>(state);
  return s == task_state_kind::done || s == task_state_kind::failed ||
         s == task_state_kind::aborted;
}

std::string list_ids(const std::vector<std::uint64_t>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size() && i < 8; ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  if (ids.size() > 8) s += ", ...";
  return s;
}

std::string list_ranks(const std::vector<int>& ranks) {
  std::string s;
  for (std::size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

// Removes the i-th task of a ready queue (almost always the first).
void take(std::deque<task_state*>& q, std::size_t i) {
  if (i == 0) {
    q.pop_front();
  } else {
    q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string micros_text(std::chrono::microseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + " ms";
}

}  // namespace

hub_core::hub_core(transport& t, std::vector<int> engines, config cfg)
    : t_(t),
      engines_(std::move(engines)),
      hwm_(cfg.hwm),
      scheme_(std::move(cfg.scheme)),
      journal_(std::move(cfg.journal)) {
  if (!scheme_) scheme_ = make_scheme("leastload");
  if (journal_) journal_->start(engines_, cfg.hosts);
  int top = 0;
  for (int r : engines_) top = std::max(top, r);
  slot_of_rank_.assign(static_cast<std::size_t>(top) + 1, -1);
  for (std::size_t i = 0; i < engines_.size(); ++i) {
    engine_slot s;
    s.rank = engines_[i];
    if (i < cfg.tags.size()) s.tags = cfg.tags[i];
    slots_.push_back(std::move(s));
    slot_of_rank_[static_cast<std::size_t>(engines_[i])] = static_cast<int>(i);
  }
  local_.emplace_back();  // ids start at 1
}

hub_core::~hub_core() {
  task_state* t = submitted_.exchange(nullptr, std::memory_order_acquire);
  while (t) {
    task_state* next = t->next_submitted;
    const task_ptr self = std::move(t->submitted_self);
    t->next_submitted = nullptr;
    bytes why;
    encode(why, std::string(failure::run_ended));
    encode(why, "the run ended before task " + std::to_string(t->id) + " was taken");
    t->set_result(std::move(why));
    t->status.store(task_status::failed);
    t = next;
  }
  completions().notify();
}

hub_core::engine_slot* hub_core::slot_of(int rank) {
  if (rank < 0 || rank >= static_cast<int>(slot_of_rank_.size())) return nullptr;
  const int i = slot_of_rank_[static_cast<std::size_t>(rank)];
  return i < 0 ? nullptr : &slots_[static_cast<std::size_t>(i)];
}

// ---- client side ----

task_ptr hub_core::make_task(std::uint64_t handler, int target, std::size_t payload) {
  return new_task(next_id_.fetch_add(1, std::memory_order_relaxed), handler, target, payload);
}

// Submissions go on a lock-free stack that the hub takes whole; each task keeps itself alive
// until then.
void hub_core::submit(task_ptr task) {
  task_state* t = task.get();
  assert(!t->submitted_self && "a task is submitted once");
  t->submitted_self = std::move(task);
  push_submissions(t, t);
}

void hub_core::submit(std::vector<task_ptr>& tasks) {
  if (tasks.empty()) return;
  task_state* first = nullptr;  // the newest: the chain runs from it back to the oldest
  task_state* last = nullptr;
  for (auto& task : tasks) {
    task_state* t = task.get();
    t->submitted_self = std::move(task);
    t->next_submitted = first;
    if (!last) last = t;
    first = t;
  }
  tasks.clear();
  push_submissions(first, last);
}

// Puts the chain first..last (newest to oldest) on the stack.
void hub_core::push_chain(task_state* first, task_state* last) {
  task_state* head = submitted_.load(std::memory_order_relaxed);
  do {
    last->next_submitted = head;
  } while (!submitted_.compare_exchange_weak(head, first, std::memory_order_release,
                                             std::memory_order_relaxed));
}

void hub_core::push_submissions(task_state* first, task_state* last) {
  push_chain(first, last);
  announce_submission();
}

void hub_core::announce_submission() {
  // The hub thread rests for a while after clients helped. If none helps now, a lone submission
  // (the client waited since its last) is sent on its way from here; the second of a burst wakes
  // the hub thread, which then takes the burst as it comes, in parallel.
  if (is_resting_.load(std::memory_order_relaxed) && helpers_.load(std::memory_order_relaxed) == 0 &&
      !is_in_pass && t_.is_shareable()) {
    if (submits_since_wait++ == 0) {
      helper_pass();
    } else {
      wake_hub_thread();
    }
    return;
  }
  ++submits_since_wait;
  t_.wake();
}

void hub_core::request_stop(int exit_code) {
  {
    std::lock_guard<std::mutex> lock(controls_m_);
    exit_code_ = exit_code;
  }
  is_stop_requested_.store(true);
  wake_hub_thread();
}

void hub_core::on_hub_thread(const std::function<void()>& fn) {
  std::promise<void> done;
  auto result = done.get_future();
  {
    std::lock_guard<std::mutex> lock(controls_m_);
    if (is_stop_requested_.load()) throw error("the hub has stopped");
    controls_.push_back([&] {
      try {
        fn();
        done.set_value();
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
    has_controls_.store(true);
  }
  wake_hub_thread();
  result.get();
}

// ---- the table ----

task_ptr hub_core::find(std::uint64_t id) const {
  if (id < local_id_limit) return id < local_.size() ? local_[id] : nullptr;
  auto it = remote_.find(id);
  return it == remote_.end() ? nullptr : it->second;
}

task_state* hub_core::lookup(std::uint64_t id) const {
  if (id < local_id_limit) return id < local_.size() ? local_[id].get() : nullptr;
  auto it = remote_.find(id);
  return it == remote_.end() ? nullptr : it->second.get();
}

void hub_core::for_each_task(const std::function<void(const task_state&)>& fn) const {
  for (const auto& t : local_)
    if (t) fn(*t);
  for (const auto& [id, t] : remote_) fn(*t);
}

task_record hub_core::record_of(const task_state& t) const {
  task_record r;
  r.id = t.id;
  r.function = handler_name(t.handler);
  r.state = static_cast<task_state_kind>(t.hub.state);
  r.engine = t.engine;
  r.submitted = t.submitted;
  if (t.started_us) r.started = task_record::time_point(std::chrono::microseconds(t.started_us));
  if (t.completed_us)
    r.completed = task_record::time_point(std::chrono::microseconds(t.completed_us));
  r.retries_used = t.hub.retries_used;
  r.restored = t.hub.is_restored;
  r.priority = t.options ? t.options->priority() : 0;
  r.error = t.hub.error;
  r.reason = reason_of(t);
  return r;
}

std::size_t hub_core::abort(const std::vector<std::uint64_t>& ids) {
  std::size_t n = 0;
  for (auto id : ids) {
    auto* t = lookup(id);
    if (!t) continue;
    const auto s = static_cast<task_state_kind>(t->hub.state);
    if (s != task_state_kind::waiting && s != task_state_kind::ready) continue;
    fail(*t, failure::task_aborted, "task " + std::to_string(id) + " was aborted before it started",
         task_state_kind::aborted);
    ++n;
  }
  resolve_dependents();
  return n;
}

std::vector<task_ptr> hub_core::resubmit(const std::vector<std::uint64_t>& ids) {
  std::vector<task_ptr> fresh;
  for (auto id : ids) {
    auto old = find(id);
    if (!old) throw error("cannot resubmit task " + std::to_string(id) + ": no such task");
    if (!is_finished(old->hub.state))
      throw error("cannot resubmit task " + std::to_string(id) + ": it has not finished");
    if (old->hub.is_request_dropped)
      throw error("cannot resubmit task " + std::to_string(id) +
                  ": its arguments were released to bound memory (TASKHUB_RETAIN_MB)");
    if (old->hub.origin != 0)
      throw error("cannot resubmit task " + std::to_string(id) + ": a task submitted it");
    const std::size_t args = old->request.size() - sizeof(record_header);
    auto t = make_task(old->handler, old->target, args);
    record_header h;
    std::memcpy(&h, old->request.data(), sizeof h);
    const std::uint32_t flags = h.flags & has_requirements_flag;
    std::memcpy(t->request.data() + offsetof(record_header, flags), &flags, sizeof flags);
    put_raw(t->request, old->request.data() + sizeof(record_header), args);
    end_record(t->request, 0);
    if (old->options) {
      auto opts = std::make_shared<task_options>(*old->options);
      opts->after(dependency()).follow(dependency());
      t->options = std::move(opts);
    }
    fresh.push_back(t);
    accept(t);
  }
  resolve_dependents();
  return fresh;
}

// Drops finished tasks from the table, except parents of tasks that have not finished (their
// dependencies still look them up). Futures the client holds keep their tasks alive.
std::size_t hub_core::purge() {
  std::unordered_set<std::uint64_t> needed;
  for_each_task([&](const task_state& t) {
    if (is_finished(t.hub.state) || !t.options) return;
    for (const auto* d : {&t.options->after(), &t.options->follow()})
      needed.insert(d->ids().begin(), d->ids().end());
  });
  std::size_t n = 0;
  auto is_droppable = [&](const task_ptr& t) {
    return t && is_finished(t->hub.state) && !t->hub.is_request_pinned && !needed.count(t->id);
  };
  for (auto& t : local_) {
    if (!is_droppable(t)) continue;
    t.reset();
    ++n;
  }
  for (auto it = remote_.begin(); it != remote_.end();) {
    if (is_droppable(it->second)) {
      it = remote_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  retained_bytes_ = 0;  // the arguments still kept for resubmit
  for (auto id : retained_)
    if (const auto* t = lookup(id); t && !t->hub.is_request_dropped) retained_bytes_ += t->request.capacity();
  return n;
}

// ---- accepting tasks ----

bool hub_core::take_submissions(bool with_controls) {
  bool did = false;
  if (with_controls && has_controls_.load()) {
    std::lock_guard<std::mutex> lock(controls_m_);
    running_controls_.swap(controls_);
    has_controls_.store(false);
    did = true;
  }
  if (!submitted_.load(std::memory_order_relaxed)) return did;
  // The stack holds the newest first: accept from the oldest.
  task_state* t = submitted_.exchange(nullptr, std::memory_order_acquire);
  task_state* oldest_first = nullptr;
  while (t) {
    task_state* next = t->next_submitted;
    t->next_submitted = oldest_first;
    oldest_first = t;
    t = next;
  }
  for (t = oldest_first; t;) {
    task_state* next = t->next_submitted;
    t->next_submitted = nullptr;
    try {
      accept(std::move(t->submitted_self));
    } catch (...) {
      // The rest go back on the stack (newest first again), where a later take or the
      // destructor finds them, and the failure goes on to end the run.
      task_state* newest_first = nullptr;
      task_state* oldest = next;
      for (task_state* u = next; u;) {
        task_state* after = u->next_submitted;
        u->next_submitted = newest_first;
        newest_first = u;
        u = after;
      }
      if (newest_first) push_chain(newest_first, oldest);
      throw;
    }
    t = next;
  }
  resolve_dependents();
  return true;
}

// Queries and commands from clients run once the pass has scheduled and sent what it could, so
// they see the table as the engines do.
void hub_core::run_controls() {
  for (auto& fn : running_controls_) fn();
  running_controls_.clear();
}

void hub_core::accept(task_ptr t) {
  const std::uint64_t id = t->id;
  if (id < local_id_limit) {
    if (id >= local_.size()) local_.resize(std::max<std::size_t>(id + 1, local_.size() * 3 / 2));
    local_[id] = t;
  } else {
    remote_[id] = t;
  }
  if (journal_) {
    if (const auto* stored = journal_->submitted(*t)) {
      restore(*t, *stored);
      return;
    }
  }
  if (t->target >= 0) {  // direct: no scheduling
    if (slot_of(t->target)->is_retired) {
      fail(*t, failure::engine_crash,
           "engine " + std::to_string(t->target) + " retired after a task crashed it");
      return;
    }
    t->hub.state = static_cast<int>(task_state_kind::running);
    t->engine = t->target;
    slot_of(t->target)->batch.push_back(t.get());
    if (journal_) journal_->dispatched(*t);
    return;
  }
  if (!t->options) {
    make_ready(*t);
    return;
  }
  const auto& opts = *t->options;
  for (const auto* d : {&opts.after(), &opts.follow()}) {
    for (auto parent : d->ids()) {
      if (!lookup(parent)) {
        fail(*t, failure::invalid_dependency,
             "task " + std::to_string(id) + " depends on task " + std::to_string(parent) +
                 ", which the hub does not know");
        return;
      }
    }
  }
  if (opts.dependency_timeout().count() > 0) {
    start_deadlines_.push({steady_ns() + opts.dependency_timeout().count() * 1000, id, 0});
  }
  if (opts.after().empty() && opts.follow().empty()) {
    make_ready(*t);
    return;
  }
  t->hub.state = static_cast<int>(task_state_kind::waiting);
  for (const auto* d : {&opts.after(), &opts.follow()})
    for (auto parent : d->ids()) {
      auto* p = lookup(parent);
      if (!is_finished(p->hub.state)) {
        auto& d = p->hub.dependents;
        if (d.capacity() == 0) d.reserve(4);  // most tasks that have dependents have a few
        d.push_back(t.get());
      }
    }
  resolve(*t);
}

// Whether `d` is met, can never be met, or neither yet; says why only when asked (`explain`),
// since a graph of many tasks re-checks each one several times.
hub_core::verdict hub_core::evaluate(const task_state& t, const dependency& d, const char* kind,
                                     bool explain) const {
  verdict v;
  if (d.empty()) {
    v.is_met = true;
    return v;
  }
  std::size_t met = 0, unmet = 0, pending = 0;
  for (auto id : d.ids()) {
    const auto& p = id < local_.size() ? *local_[id] : *lookup(id);  // most parents are local
    if (!is_finished(p.hub.state)) {
      ++pending;
    } else if (static_cast<task_state_kind>(p.hub.state) == task_state_kind::done ? d.on_success()
                                                                                  : d.on_failure()) {
      ++met;
    } else {
      ++unmet;
    }
  }
  if (d.is_all()) {
    v.is_impossible = unmet > 0 || (!d.on_success() && !d.on_failure());
    v.is_met = !v.is_impossible && pending == 0;
  } else {
    v.is_met = met > 0;
    v.is_impossible = !v.is_met && pending == 0;
  }
  if (!explain || v.is_met) return v;
  std::vector<std::uint64_t> waiting, lost;
  for (auto id : d.ids()) {
    const auto& p = *lookup(id);
    if (!is_finished(p.hub.state)) {
      waiting.push_back(id);
    } else if (!(static_cast<task_state_kind>(p.hub.state) == task_state_kind::done
                     ? d.on_success()
                     : d.on_failure())) {
      lost.push_back(id);
    }
  }
  const std::string wanted = d.on_success() && d.on_failure() ? "to finish"
                             : d.on_success()                 ? "to succeed"
                             : d.on_failure()                 ? "to fail"
                                                              : "(no outcome counts)";
  if (!v.is_impossible) {
    v.why = std::string("waiting for ") + kind + " task(s) " + list_ids(waiting) + " " + wanted;
  } else if (d.is_all()) {
    v.why = "task " + std::to_string(t.id) + " needs all of its " + kind + " tasks " + wanted +
            ", but task(s) " + list_ids(lost) + " did not";
  } else {
    v.why = "task " + std::to_string(t.id) + " needs one of its " + kind + " tasks " + wanted +
            ", but none did (" + list_ids(lost) + ")";
  }
  return v;
}

std::string hub_core::reason_of(const task_state& t) const {
  const auto s = static_cast<task_state_kind>(t.hub.state);
  if (s == task_state_kind::ready) return "ready: waiting for a free engine it may run on";
  if (s != task_state_kind::waiting) return "";
  const verdict after = evaluate(t, t.options->after(), "after", true);
  return !after.is_met ? after.why : evaluate(t, t.options->follow(), "follow", true).why;
}

void hub_core::resolve(task_state& t) {
  if (static_cast<task_state_kind>(t.hub.state) != task_state_kind::waiting) return;
  const auto& opts = *t.options;
  const verdict after = evaluate(t, opts.after(), "after", false);
  const verdict follow = evaluate(t, opts.follow(), "follow", false);
  if (after.is_impossible || follow.is_impossible) {
    fail(t, failure::impossible_dependency,
         after.is_impossible ? evaluate(t, opts.after(), "after", true).why
                             : evaluate(t, opts.follow(), "follow", true).why);
    return;
  }
  if (!after.is_met || !follow.is_met) return;
  if (!opts.follow().empty()) {  // where the parents that count ran
    const auto& d = opts.follow();
    std::vector<int> places;
    for (auto id : d.ids()) {
      const auto* p = lookup(id);
      const bool counts = static_cast<task_state_kind>(p->hub.state) == task_state_kind::done
                              ? d.on_success()
                              : d.on_failure();
      if (counts && p->engine >= 0 && !contains(places, p->engine)) places.push_back(p->engine);
    }
    if (places.empty()) {
      fail(t, failure::impossible_dependency,
           "task " + std::to_string(t.id) + " follows tasks that never ran on an engine");
      return;
    }
    if (d.is_all() && places.size() > 1) {
      fail(t, failure::impossible_dependency,
           "task " + std::to_string(t.id) + " must follow all of its follow tasks, but they ran on "
           "different engines (" + list_ranks(places) + ")");
      return;
    }
    if (places.size() == 1) {
      t.hub.follow_engine = places.front();
    } else {
      t.hub.allowed = std::move(places);
    }
  }
  make_ready(t);
}

bool hub_core::is_eligible(const task_state& t, const engine_slot& s) const {
  if (s.is_retired) return false;
  if (t.hub.follow_engine >= 0 && s.rank != t.hub.follow_engine) return false;
  if (!t.hub.allowed.empty() && !contains(t.hub.allowed, s.rank)) return false;
  if (contains(t.hub.excluded, s.rank)) return false;
  if (t.options)
    for (const auto& tag : t.options->tags())
      if (std::find(s.tags.begin(), s.tags.end(), tag) == s.tags.end()) return false;
  return true;
}

// Whether every engine may run `t` (nothing in is_eligible restricts it), so the per-engine
// checks can be skipped.
bool hub_core::runs_anywhere(const task_state& t) const {
  return (!t.options || t.options->tags().empty()) && t.hub.excluded.empty() &&
         t.hub.follow_engine < 0 && t.hub.allowed.empty() && retired_ == 0;
}

void hub_core::make_ready(task_state& t) {
  if (!runs_anywhere(t)) {
    bool is_possible = false;
    for (const auto& s : slots_) is_possible = is_possible || is_eligible(t, s);
    if (!is_possible) {
      std::string why = "no engine can run task " + std::to_string(t.id);
      if (t.options && !t.options->tags().empty()) {
        why += ": it requires tags";
        for (const auto& tag : t.options->tags()) why += " '" + tag + "'";
      }
      if (retired_ > 0) why += " (" + std::to_string(retired_) + " engine(s) retired after crashes)";
      if (!t.hub.excluded.empty())
        why += (t.options && !t.options->tags().empty() ? "; engines " : ": engines ") +
               list_ranks(t.hub.excluded) + " reported an unmet dependency";
      fail(t, failure::impossible_dependency, why);
      return;
    }
  }
  t.hub.state = static_cast<int>(task_state_kind::ready);
  auto& q = ready_[t.options ? t.options->priority() : 0];
  if (t.hub.origin != 0) {
    q.push_front(&t);  // a task waits for it: depth first
  } else {
    q.push_back(&t);
  }
}

void hub_core::requeue(task_state& t) {
  ++t.hub.attempt;
  make_ready(t);
}

// ---- scheduling and sending ----

void hub_core::assign(task_state& t, engine_slot& s) {
  s.last_used = ++tick_;
  t.hub.state = static_cast<int>(task_state_kind::running);
  t.engine = s.rank;
  if (t.options && t.options->timeout().count() > 0)
    run_deadlines_.push({steady_ns() + t.options->timeout().count() * 1000, t.id, t.hub.attempt});
  s.batch.push_back(&t);
  if (journal_) journal_->dispatched(t);
}

// Whether some engine takes more tasks, under the high-water mark.
bool hub_core::has_room() const {
  for (const auto& s : slots_)
    if (!s.is_retired && (hwm_ <= 0 || s.outstanding - s.blocked + static_cast<int>(s.batch.size()) < hwm_))
      return true;
  return false;
}

bool hub_core::schedule() {
  bool did = false;
  for (auto it = ready_.begin(); it != ready_.end();) {
    auto& q = it->second;
    std::size_t i = 0;
    while (i < q.size()) {
      task_state* t = q[i];
      if (static_cast<task_state_kind>(t->hub.state) != task_state_kind::ready) {
        take(q, i);  // aborted or timed out meanwhile
        continue;
      }
      const bool is_plain = runs_anywhere(*t);
      candidates_.clear();
      // A task that a task submitted goes out whatever the high-water mark: a task waits for it,
      // and that engine keeps serving meanwhile.
      const bool is_awaited_inside = t->hub.origin != 0;
      for (const auto& s : slots_) {
        const int load = s.outstanding - s.blocked + static_cast<int>(s.batch.size());
        if (hwm_ > 0 && load >= hwm_ && !is_awaited_inside) continue;
        if (!is_plain && !is_eligible(*t, s)) continue;
        candidates_.push_back({s.rank, load, s.last_used});
      }
      if (candidates_.empty()) {
        if (is_plain) return did;  // every engine is full
        if (!has_room()) break;    // the same: only tasks that tasks wait for (at the front) go now
        ++i;                       // its engines are full; others may take later tasks
        continue;
      }
      if (!t->hub.tried.empty()) {  // a retry prefers engines it has not failed on
        std::vector<engine_load> fresh;
        for (const auto& c : candidates_)
          if (!contains(t->hub.tried, c.rank)) fresh.push_back(c);
        if (!fresh.empty()) candidates_.swap(fresh);
      }
      std::size_t pick = 0;
      try {
        pick = std::min(scheme_->choose(candidates_), candidates_.size() - 1);
      } catch (const std::exception& e) {  // a custom scheme's fault must not stop the hub
        if (!is_scheme_fault_reported_)
          std::fprintf(stderr, "taskhub: the scheduling scheme failed (%s); using the first engine\n", e.what());
        is_scheme_fault_reported_ = true;
      }
      assign(*t, *slot_of(candidates_[pick].rank));
      take(q, i);
      did = true;
    }
    it = q.empty() ? ready_.erase(it) : std::next(it);
  }
  return did;
}

bool hub_core::send_batches() {
  bool did = false;
  for (auto& s : slots_) {
    std::size_t i = 0;
    while (i < s.batch.size()) {
      auto attempt_of = [&](std::size_t k) { return s.batch[k]->hub.attempt; };
      std::size_t n = 0;
      if ((i + 1 == s.batch.size() || s.batch[i]->request.size() >= max_batch_bytes / 2) &&
          attempt_of(i) == 0) {
        // A first attempt alone goes from the task's own buffer, without a copy; the table keeps
        // the task (and its request) until the run ends, after every send has finished.
        t_.send_borrowed(s.rank, s.batch[i]->request, nullptr);
        n = 1;
      } else {
        std::size_t total = 0;
        for (std::size_t k = i; k < s.batch.size() && k < i + max_batch_records; ++k)
          total += s.batch[k]->request.size();
        bytes msg = take_buffer(std::min(total, max_batch_bytes));
        while (i + n < s.batch.size() && n < max_batch_records &&
               (n == 0 || msg.size() + s.batch[i + n]->request.size() <= max_batch_bytes)) {
          const auto& r = s.batch[i + n]->request;
          const auto at = msg.size();
          put_raw(msg, r.data(), r.size());
          // A retry carries its attempt, so a late answer to an earlier one is recognised.
          std::uint32_t flags;
          std::memcpy(&flags, msg.data() + at + offsetof(record_header, flags), sizeof flags);
          flags = (flags & has_requirements_flag) | attempt_of(i + n);
          std::memcpy(msg.data() + at + offsetof(record_header, flags), &flags, sizeof flags);
          ++n;
        }
        t_.send(s.rank, std::move(msg));
      }
      s.outstanding += static_cast<int>(n);
      i += n;
      did = true;
    }
    s.batch.clear();
  }
  return did;
}

// ---- results ----

bool hub_core::receive() {
  bool did = false;
  int source = 0;
  bytes msg;
  while (t_.poll(source, msg)) {
    did = true;
    engine_slot* slot = slot_of(source);
    if (!slot) continue;
    // The futures of this batch's tasks read their results in place; the last one to go
    // recycles the buffer.
    auto batch = shared_batch(std::move(msg));
    msg = bytes();
    try {
      record_reader r(batch->data(), batch->size());
      record_header h;
      const char* payload = nullptr;
      while (r.next(h, payload)) {
        if (h.kind == record_kind::submit) {
          try {
            accept_remote(source, payload, h.length);
          } catch (const std::exception& e) {  // only this task fails
            refuse_remote(source, h, e.what());
          }
        } else if (h.kind == record_kind::stop_ack) {
          slot->is_stopped = true;
        } else if (h.kind == record_kind::result || h.kind == record_kind::failure) {
          complete(*slot, h, payload, batch);
        } else if (h.kind == record_kind::blocked) {
          ++slot->blocked;
        } else if (h.kind == record_kind::unblocked) {
          --slot->blocked;
        } else if (h.kind == record_kind::retire) {
          retire(*slot);
        }
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "taskhub: dropped the rest of a malformed batch from engine %d: %s\n",
                   source, e.what());
    }
  }
  resolve_dependents();
  if (is_notify_due_) completions().notify();
  is_notify_due_ = false;
  return did;
}

void hub_core::accept_remote(int source, const char* payload, std::size_t n) {
  reader in(payload, n);
  const auto options_size = decode<std::uint64_t>(in);
  reader options_in(in.take(options_size), options_size);
  const auto record_size = in.remaining();
  const char* record = in.take(record_size);
  record_header h;
  if (record_size < sizeof h) throw decode_error("a submitted task is shorter than its header");
  std::memcpy(&h, record, sizeof h);
  auto t = std::allocate_shared<task_state>(block_allocator<task_state>());
  t->id = h.task;
  t->handler = h.handler;
  t->submitted = std::chrono::system_clock::now();
  t->request = take_buffer(record_size);
  put_raw(t->request, record, record_size);
  t->hub.origin = source;
  if (options_size > 0) t->options = std::make_shared<task_options>(decode_options(options_in));
  accept(std::move(t));
}

// A task an engine submitted that the hub cannot take: its submitter learns why.
void hub_core::refuse_remote(int source, const record_header& h, const std::string& why) {
  bytes out;
  const auto at = begin_record(out, record_kind::failure, h.task, h.handler);
  const std::int64_t times[2] = {0, 0};
  put_raw(out, times, sizeof times);
  encode(out, std::string("taskhub::decode_error"));
  encode(out, "the hub could not read a task submitted by a task: " + why);
  end_record(out, at);
  t_.send(source, std::move(out));
}

void hub_core::complete(engine_slot& slot, const record_header& h, const char* payload,
                        const std::shared_ptr<const bytes>& batch) {
  --slot.outstanding;
  task_state* t = lookup(h.task);
  // A late answer: the task timed out, was retried elsewhere, or the run is ending.
  if (!t || static_cast<task_state_kind>(t->hub.state) != task_state_kind::running ||
      t->engine != slot.rank || (h.flags & attempt_mask) != t->hub.attempt)
    return;
  std::int64_t times[2] = {0, 0};
  if (h.length >= sizeof times) std::memcpy(times, payload, sizeof times);
  const char* result = payload + std::min<std::uint64_t>(h.length, sizeof times);
  const std::size_t result_size = h.length - std::min<std::uint64_t>(h.length, sizeof times);
  if (h.kind == record_kind::failure && t->target < 0) {
    std::string type;
    try {
      reader in(result, result_size);
      type = decode<std::string>(in);
    } catch (const decode_error&) {
    }
    if (type == "taskhub::unmet_dependency") {  // this engine cannot run it: try another
      t->hub.excluded.push_back(slot.rank);
      requeue(*t);
      return;
    }
    const int retries = t->options ? t->options->retries() : 0;
    if (t->hub.retries_used < retries) {
      if (journal_) journal_->retried(*t, slot.rank, result, result_size);
      ++t->hub.retries_used;
      t->hub.tried.push_back(slot.rank);
      requeue(*t);
      return;
    }
  }
  t->reply = batch;
  t->result_data = result;
  t->result_size = result_size;
  t->started_us = times[0];
  t->completed_us = times[1];
  finish(*t, h.kind == record_kind::result ? task_state_kind::done : task_state_kind::failed);
}

// A task an earlier run finished: answered from the journal, never sent.
void hub_core::restore(task_state& t, const stored_outcome& s) {
  t.set_result(s.result);
  t.engine = s.engine;
  t.started_us = s.started_us;
  t.completed_us = s.completed_us;
  t.hub.is_restored = true;
  finish(t, s.is_done ? task_state_kind::done : task_state_kind::failed);
}

void hub_core::fail(task_state& t, const std::string& type, const std::string& message,
                    task_state_kind state) {
  bytes why;
  encode(why, type);
  encode(why, message);
  t.set_result(std::move(why));
  finish(t, state);
}

void hub_core::finish(task_state& t, task_state_kind state) {
  t.hub.state = static_cast<int>(state);
  const bool is_ok = state == task_state_kind::done;
  if (!is_ok) {
    const auto e = failure_of(t);
    t.hub.error = e.type_name() + ": " + e.message();
  }
  if (journal_) journal_->finished(t, static_cast<int>(state), t.hub.is_restored);
  if (t.hub.origin != 0 && !is_stopping_) {  // a task submitted it: send the outcome there
    bytes out = take_buffer(sizeof(record_header) + 16 + t.result_size);
    const auto at = begin_record(out, is_ok ? record_kind::result : record_kind::failure, t.id,
                                 t.handler);
    const std::uint32_t ran_on = static_cast<std::uint32_t>(t.engine < 0 ? 0 : t.engine);
    std::memcpy(out.data() + at + offsetof(record_header, flags), &ran_on, sizeof ran_on);
    put_raw(out, &t.started_us, sizeof t.started_us);
    put_raw(out, &t.completed_us, sizeof t.completed_us);
    put_raw(out, t.result_data, t.result_size);
    end_record(out, at);
    t_.send(t.hub.origin, std::move(out));
  }
  t.status.store(is_ok ? task_status::done : task_status::failed);
  is_notify_due_ |= t.is_awaited.load() || completions().any_waiters.load() > 0;
  for (auto* d : t.hub.dependents) to_resolve_.push_back(d);
  t.hub.dependents.clear();
  retain_request(t);
}

// Finished tasks keep their arguments for resubmit; large ones only up to a budget
// (TASKHUB_RETAIN_MB, default 64), oldest released first.
void hub_core::retain_request(task_state& t) {
  static const std::size_t budget =
      (std::getenv("TASKHUB_RETAIN_MB") ? std::strtoull(std::getenv("TASKHUB_RETAIN_MB"), nullptr, 10)
                                        : 64) << 20;
  if (t.request.capacity() < 4096 || t.hub.origin != 0) return;
  retained_.push_back(t.id);
  retained_bytes_ += t.request.capacity();
  while (retained_bytes_ > budget && !retained_.empty()) {
    auto* old = lookup(retained_.front());
    retained_.pop_front();
    if (!old || old->hub.is_request_dropped) continue;
    retained_bytes_ -= old->request.capacity();
    if (old->hub.is_request_pinned) continue;
    recycle_buffer(std::move(old->request));
    old->request = bytes();
    old->hub.is_request_dropped = true;
  }
}

// Re-checks waiting tasks whose parents finished; iterative, so long chains cannot overflow.
void hub_core::resolve_dependents() {
  while (!to_resolve_.empty()) {
    task_state* d = to_resolve_.back();
    to_resolve_.pop_back();
    resolve(*d);
  }
}

// ---- time-outs ----

void hub_core::check_timers() {
  const auto now = steady_ns();
  while (!start_deadlines_.empty() && start_deadlines_.top().when_ns <= now) {
    const auto tm = start_deadlines_.top();
    start_deadlines_.pop();
    auto* t = lookup(tm.id);
    const auto s = static_cast<task_state_kind>(t->hub.state);
    if (s != task_state_kind::waiting && s != task_state_kind::ready) continue;
    std::string why = "task " + std::to_string(tm.id) + " did not start within " +
                      micros_text(t->options->dependency_timeout()) + " (" + reason_of(*t) + ")";
    fail(*t, failure::dependency_timeout, why);
  }
  while (!run_deadlines_.empty() && run_deadlines_.top().when_ns <= now) {
    const auto tm = run_deadlines_.top();
    run_deadlines_.pop();
    auto* t = lookup(tm.id);
    if (static_cast<task_state_kind>(t->hub.state) != task_state_kind::running ||
        t->hub.attempt != tm.attempt)
      continue;
    t->hub.is_request_pinned = true;  // its send may not have finished
    const std::string why = "task " + std::to_string(tm.id) + " ran longer than " +
                            micros_text(t->options->timeout()) + " on engine " +
                            std::to_string(t->engine);
    if (t->hub.retries_used < t->options->retries()) {
      if (journal_) {
        bytes reason;
        encode(reason, std::string(failure::task_timeout));
        encode(reason, why);
        journal_->retried(*t, t->engine, reason.data(), reason.size());
      }
      ++t->hub.retries_used;
      t->hub.tried.push_back(t->engine);
      requeue(*t);
      continue;
    }
    fail(*t, failure::task_timeout, why);
  }
  resolve_dependents();
}

std::chrono::microseconds hub_core::until_next_timer() const {
  std::int64_t next = std::numeric_limits<std::int64_t>::max();
  if (!start_deadlines_.empty()) next = std::min(next, start_deadlines_.top().when_ns);
  if (!run_deadlines_.empty()) next = std::min(next, run_deadlines_.top().when_ns);
  const auto to_flush = journal_ ? journal_->until_flush() : std::chrono::microseconds::max();
  if (next == std::numeric_limits<std::int64_t>::max()) return to_flush;
  return std::min(to_flush,
                  std::chrono::microseconds(std::max<std::int64_t>(0, (next - steady_ns()) / 1000 + 1)));
}

// A task crashed this engine: nothing more goes there, and what it still held runs elsewhere.
void hub_core::retire(engine_slot& slot) {
  if (slot.is_retired) return;
  slot.is_retired = true;
  ++retired_;
  slot.outstanding = 0;
  slot.blocked = 0;
  auto move_off = [&](task_state& t) {
    if (static_cast<task_state_kind>(t.hub.state) != task_state_kind::running || t.engine != slot.rank)
      return;
    if (t.target >= 0) {
      fail(t, failure::engine_crash,
           "engine " + std::to_string(slot.rank) + " retired before task " + std::to_string(t.id) + " ran");
    } else {
      requeue(t);
    }
  };
  for (const auto& t : local_)
    if (t) move_off(*t);
  for (const auto& [id, t] : remote_) move_off(*t);
  resolve_dependents();
}

// ---- the loop ----

void hub_core::stop_engines() {
  int code;
  {
    std::lock_guard<std::mutex> lock(controls_m_);
    code = exit_code_;
  }
  for (auto& s : slots_) {
    bytes msg;
    const auto at = begin_record(msg, record_kind::stop, 0, 0);
    put_raw(msg, &code, sizeof code);
    end_record(msg, at);
    t_.send(s.rank, std::move(msg));
  }
}

// Tasks unfinished when the client returned fail, so nothing waits on them forever.
void hub_core::abandon_all() {
  auto abandon = [&](const task_ptr& t) {
    if (t && !is_finished(t->hub.state))
      fail(*t, failure::run_ended, "the run ended before task " + std::to_string(t->id) + " finished");
  };
  for (const auto& t : local_) abandon(t);
  for (const auto& [id, t] : remote_) abandon(t);
  to_resolve_.clear();
  ready_.clear();
  completions().notify();
}

namespace {

// The hub whose passes client threads may run while they wait, and how many are about to.
std::atomic<hub_core*> helped_hub{nullptr};
std::atomic<int> helper_count{0};

// While clients help, the hub thread rests in naps, and still runs a pass of its own every few.
// Short naps would cost the helping client: each nap's end takes a core from it for a moment.
constexpr std::int64_t rest_ns = 1000000;
constexpr int most_rests = 2;

}  // namespace

// One pass over everything the hub does. Client threads that help skip what only the hub thread
// does: controls, the journal's flushes, and (in the transport) MPI.
bool hub_core::pass(bool is_hub_thread) {
  bool did = false;
  if (is_hub_thread) t_.begin_owner_pass();
  if (!is_stopping_) {
    did |= take_submissions(is_hub_thread);
    check_timers();
    did |= schedule();
    did |= send_batches();
    if (is_hub_thread) run_controls();
  }
  did |= receive();
  if (is_hub_thread && journal_ && journal_->is_flush_due()) journal_->flush();
  is_sending_ = t_.progress();
  return did;
}

// The hub thread rests while a client thread runs the passes, unless something needs it.
bool hub_core::should_rest() const {
  // Helped now, or lately and no submission waits (a client between two waits).
  const bool is_helped =
      helpers_.load() > 0 ||
      (!submitted_.load() && steady_ns() - last_help_ns_.load(std::memory_order_relaxed) < rest_ns);
  return is_helped && !t_.wants_owner() && !is_stop_requested_.load() && !has_controls_.load() &&
         !is_hub_thread_waiting_.load(std::memory_order_relaxed);
}

void hub_core::rest() {
  is_resting_.store(true);
  if (should_rest()) {
    const timespec ts{0, static_cast<long>(rest_ns)};
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&rest_word_), FUTEX_WAIT_PRIVATE, 0, &ts,
            nullptr, 0);
  }
  is_resting_.store(false);
  rest_word_.store(0);
}

void hub_core::wake_hub_thread() {
  if (is_resting_.load() && rest_word_.exchange(1) == 0)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&rest_word_), FUTEX_WAKE_PRIVATE, 1,
            nullptr, nullptr, 0);
  t_.wake();
}

// One pass on a helping client thread. A failure is the hub's, not the task's: it goes to the hub
// thread, which ends the run as it does for its own.
bool hub_core::helper_pass() {
  std::unique_lock<std::mutex> lock(pass_m_, std::try_to_lock);
  if (!lock.owns_lock() || is_stopping_ || helper_error_) return false;
  is_in_pass = true;
  bool did = false, has_failed = false;
  try {
    did = pass(false);
  } catch (...) {
    helper_error_ = std::current_exception();  // read only under the lock
    has_failed = true;
  }
  is_in_pass = false;
  lock.unlock();
  if (t_.wants_owner() || has_failed) wake_hub_thread();
  return did;
}

bool hub_core::help(const std::function<bool()>& is_ready, deadline until) {
  if (is_in_pass) return false;
  submits_since_wait = 0;
  struct counted {
    hub_core& h;
    explicit counted(hub_core& hub) : h(hub) { h.helpers_.fetch_add(1); }
    ~counted() {
      h.last_help_ns_.store(steady_ns(), std::memory_order_relaxed);
      h.helpers_.fetch_sub(1);
    }
  } count(*this);
  const bool has_deadline = until != deadline::max();
  auto quiet_since = deadline::min();  // when passes began to find nothing to do
  for (;;) {
    if (is_ready() || (has_deadline && std::chrono::steady_clock::now() >= until)) return true;
    // The hub thread asked for a pass of its own (controls, MPI, the journal): let it have one.
    const bool did = !is_hub_thread_waiting_.load(std::memory_order_relaxed) && helper_pass();
    if (did) {
      quiet_since = deadline::min();
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (quiet_since == deadline::min()) quiet_since = now;
    if (now - quiet_since > backoff::yield_for()) return false;  // a long wait: block instead
    std::this_thread::yield();
  }
}

bool help_hub(const std::function<bool()>& is_ready, deadline until) {
  struct counted {
    counted() { helper_count.fetch_add(1); }
    ~counted() { helper_count.fetch_sub(1); }
  } count;
  hub_core* hub = helped_hub.load();
  return hub && hub->help(is_ready, until);
}

void hub_core::serve() {
  t_.claim();
  if (t_.is_shareable()) helped_hub.store(this);
  backoff wait;
  int rests = 0;
  for (;;) {
    if (rests < most_rests && should_rest()) {
      rest();
      ++rests;
      wait.busy();
      continue;
    }
    if (!pass_m_.try_lock()) {  // a client thread is in a pass: it lets us have the next
      is_hub_thread_waiting_.store(true, std::memory_order_relaxed);
      std::this_thread::yield();
      continue;
    }
    is_hub_thread_waiting_.store(false, std::memory_order_relaxed);
    rests = 0;
    std::unique_lock<std::mutex> lock(pass_m_, std::adopt_lock);
    if (helper_error_) std::rethrow_exception(helper_error_);
    is_in_pass = true;
    bool did = pass(true);
    is_in_pass = false;
    if (!is_stopping_ && is_stop_requested_.load()) {
      is_stopping_ = true;
      stop_engines();
      did = true;
    }
    if (is_stopping_) {
      bool all_stopped = true;
      for (const auto& s : slots_) all_stopped = all_stopped && s.is_stopped;
      if (all_stopped && !is_sending_) break;
    }
    // While sends wait (a full lane, MPI in flight), nap no longer than a yield.
    const auto next_timer = did ? std::chrono::microseconds(0)
                                : is_sending_ ? std::chrono::microseconds(0) : until_next_timer();
    lock.unlock();
    if (did) {
      wait.busy();
    } else {
      wait.idle(t_, next_timer);
    }
  }
  {
    std::lock_guard<std::mutex> lock(pass_m_);
    take_submissions(true);  // what came in since the last pass fails below instead of vanishing
    abandon_all();
    if (journal_) journal_->flush();
    run_controls();
  }
  // No client thread runs a pass from here on.
  helped_hub.store(nullptr);
  while (helper_count.load() > 0) std::this_thread::yield();
  // Controls queued after the stop get an answer too.
  std::lock_guard<std::mutex> lock(controls_m_);
  for (auto& fn : controls_) fn();
  controls_.clear();
}

// ---- waiting, for the header-only API ----

bool wait_on_engine(const std::function<bool()>& is_ready, deadline until);  // engine.cpp

bool wait_ready(const task_state& task, deadline until) {
  if (task.is_ready()) return true;
  auto is_ready = [&] { return task.is_ready(); };
  if (wait_on_engine(is_ready, until)) return task.is_ready();
  if (help_hub(is_ready, until)) return task.is_ready();
  if (completion_signal::spin(is_ready)) return true;
  const_cast<task_state&>(task).is_awaited.store(true);
  return completions().block(is_ready, until);
}

long wait_any_ready(const std::vector<const task_state*>& tasks, deadline until) {
  auto first_ready = [&]() -> long {
    for (std::size_t i = 0; i < tasks.size(); ++i)
      if (tasks[i]->is_ready()) return static_cast<long>(i);
    return -1;
  };
  long found = first_ready();
  if (found >= 0 || tasks.empty()) return found;
  auto is_any_ready = [&] { return (found = first_ready()) >= 0; };
  if (wait_on_engine(is_any_ready, until)) return first_ready();
  if (help_hub(is_any_ready, until)) return first_ready();
  if (completion_signal::spin(is_any_ready)) return found;
  auto& c = completions();
  c.any_waiters.fetch_add(1);
  c.block(is_any_ready, until);
  c.any_waiters.fetch_sub(1);
  return found;
}

remote_error failure_of(const task_state& task) {
  std::string type = "taskhub::error", message = "the task failed";
  try {
    reader in = task.result();
    type = decode<std::string>(in);
    message = decode<std::string>(in);
  } catch (const decode_error&) {
    message = "the task failed and its error could not be decoded";
  }
  return remote_error(type, message, task.engine, handler_name(task.handler), task.id);
}

}  // namespace taskhub::detail
