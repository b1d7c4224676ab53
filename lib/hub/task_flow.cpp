// SPDX-License-Identifier: MIT
// Part of taskhub.
// What happens to a task on the hub, from its acceptance to its outcome.
#include "hub/task_flow.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "core/options_codec.hpp"
#include "core/wait.hpp"
#include "hub/id_lists.hpp"
#include "hub/result_inputs.hpp"
#include "taskhub/detail/block_pool.hpp"
#include "taskhub/task_options.hpp"

namespace taskhub::detail {
namespace {

using state = taskhub::task_state;

std::string millis_text(std::chrono::microseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + " ms";
}

bytes encoded_failure(const std::string& type, const std::string& message) {
  bytes why;
  encode(why, type);
  encode(why, message);
  return why;
}

}  // namespace

task_flow::task_flow(transport& t, const std::vector<int>& engines, config cfg)
    : t_(t),
      table_(cfg.retain_bytes),
      dependencies_(table_),
      scheduler_(engines, {std::move(cfg.tags), std::move(cfg.groups), cfg.hwm,
                           std::move(cfg.scheme), cfg.policy, cfg.is_local_first,
                           std::move(cfg.hosts)}),
      observer_(cfg.observer ? std::move(cfg.observer) : std::make_shared<hub_observer>()),
      client_(cfg.client),
      is_stealing_(cfg.is_stealing) {}

task_record task_flow::record_of(const task_data& t) const {
  task_record r;
  r.id = t.id;
  r.function = handler_name(t.handler);
  r.state = t.hub.state;
  r.engine = t.engine;
  r.submitted = t.submitted;
  if (t.started_us) r.started = task_record::time_point(std::chrono::microseconds(t.started_us));
  if (t.completed_us)
    r.completed = task_record::time_point(std::chrono::microseconds(t.completed_us));
  r.retries_used = t.hub.retries_used;
  r.restored = t.hub.is_restored;
  r.priority = t.options ? t.options->priority() : 0;
  r.error = t.hub.error;
  r.reason = dependencies_.reason_of(t);
  return r;
}

void task_flow::abort_now(task_data& t, const std::string& where) {
  fail(t, failure::task_aborted,
       "task " + std::to_string(t.id) + " was aborted " + where + "before it started",
       state::aborted);
}

std::future<std::size_t> task_flow::abort(const std::vector<std::uint64_t>& ids) {
  auto wait = std::make_shared<recall_wait>();
  std::map<int, std::vector<sent_task>> recalls;  // by engine
  for (auto id : ids) {
    auto* t = table_.lookup(id);
    if (!t) continue;
    if (t->hub.state == state::waiting || t->hub.state == state::ready) {
      abort_now(*t, "");
      ++wait->aborted;
      continue;
    }
    // A task recalled to run elsewhere is recalled again, for good: dropped, it is aborted.
    if (t->hub.state != state::queued || (t->hub.is_recalled && !t->hub.is_stolen)) continue;
    t->hub.is_stolen = false;
    engine_slot* slot = scheduler_.slot_of(t->engine);
    if (!slot || slot->is_retired) continue;
    auto in_batch = std::find(slot->batch.begin(), slot->batch.end(), t);
    if (in_batch != slot->batch.end()) {  // not sent yet: nothing to recall
      slot->batch.erase(in_batch);
      scheduler_.touched(*slot);
      abort_now(*t, "");
      ++wait->aborted;
      continue;
    }
    t->hub.is_recalled = true;
    recalls[slot->rank].push_back({t->id, t->hub.attempt});
  }
  resolve_dependents();
  for (auto& [rank, tasks] : recalls)
    send_recall(*scheduler_.slot_of(rank), std::move(tasks), wait);
  auto done = wait->done.get_future();
  if (wait->answers_due == 0) wait->done.set_value(wait->aborted);
  return done;
}

// Asks the engine of `slot` to drop `tasks` if it has not started them; answered in order.
void task_flow::send_recall(engine_slot& slot, std::vector<sent_task> tasks,
                            std::shared_ptr<recall_wait> wait) {
  bytes msg = take_buffer(sizeof(record_header) + tasks.size() * sizeof(recalled_task));
  const auto at = begin_record(msg, record_kind::recall, 0, 0);
  for (const auto& e : tasks) {
    const recalled_task r{e.id, e.attempt};
    put_raw(msg, &r, sizeof r);
  }
  end_record(msg, at);
  t_.send(slot.rank, std::move(msg));
  ++wait->answers_due;
  slot.recalls.push_back({std::move(tasks), std::move(wait)});
}

std::future<std::size_t> task_flow::abort_all() {
  std::vector<std::uint64_t> ids;
  table_.for_each([&](const task_data& t) {
    if (!t.hub.is_finished()) ids.push_back(t.id);
  });
  return abort(ids);
}

void task_flow::forget_sent(engine_slot& slot, std::uint64_t id, std::uint32_t attempt) {
  for (auto it = slot.sent.begin(); it != slot.sent.end(); ++it) {
    if (it->id == id && it->attempt == attempt) {
      slot.sent.erase(it);
      return;
    }
  }
}

void task_flow::promote(engine_slot& slot) {
  if (slot.sent.empty()) return;
  const auto& e = slot.sent.front();
  task_data* t = table_.lookup(e.id);
  if (t && t->hub.state == state::queued && t->engine == slot.rank && t->hub.attempt == e.attempt &&
      !t->hub.is_recalled)
    run(*t);
}

void task_flow::run(task_data& t) {
  t.hub.state = state::running;
  t.hub.running_since_ns = timers::now_ns();
  ++changes_;
}

void task_flow::started(engine_slot& slot, const record_header& h) {
  task_data* t = table_.lookup(h.task);
  if (t && t->hub.state == state::queued && t->engine == slot.rank &&
      t->hub.attempt == attempt_of(h))
    run(*t);
}

void task_flow::waits_inside(engine_slot& slot, const record_header& h, bool is_waiting) {
  if ((h.flags & uncounted_wait_flag) == 0) {
    slot.blocked += is_waiting ? 1 : -1;
    scheduler_.touched(slot);
  }
  task_data* t = table_.lookup(h.task);
  if (!t || t->engine != slot.rank) return;
  if (t->hub.state == state::queued && is_waiting) run(*t);  // a task that waits has started
  if (t->hub.state == state::running) t->hub.is_waiting_inside = is_waiting;
}

void task_flow::dropped(engine_slot& slot, const record_header& h) {
  if (slot.is_retired) return;  // its tasks were moved, its recalls settled
  --slot.outstanding;
  scheduler_.touched(slot);
  forget_sent(slot, h.task, attempt_of(h));
  task_data* t = table_.lookup(h.task);
  if (!t || t->hub.state != state::queued || t->engine != slot.rank ||
      t->hub.attempt != attempt_of(h))
    return;                // it moved on meanwhile (a time-out ran it again): the answer settles it
  if (t->hub.is_stolen) {  // an idle engine takes it
    requeue(*t);
    return;
  }
  abort_now(*t, "in the queue of engine " + std::to_string(slot.rank) + " ");
  for (auto& r : slot.recalls) {  // the abort that asked for it counts it
    if (r.wait->is_steal) continue;
    const auto named = std::find_if(r.tasks.begin(), r.tasks.end(),
                                    [&](const sent_task& e) { return e.id == t->id; });
    if (named == r.tasks.end()) continue;
    ++r.wait->aborted;
    break;
  }
}

void task_flow::recall_answered(engine_slot& slot) {
  if (!slot.is_retired) answer_recall(slot);
}

// Settles the oldest recall of `slot`: the engine dropped what it could (dropped() aborted it),
// so what it named and still holds had started. A task that went back to the hub's queue
// meanwhile (a time-out, a retirement) is aborted there.
void task_flow::answer_recall(engine_slot& slot) {
  if (slot.recalls.empty()) return;
  pending_recall r = std::move(slot.recalls.front());
  slot.recalls.pop_front();
  if (r.wait->is_steal) stolen_in_flight_ -= r.tasks.size();
  for (const auto& e : r.tasks) {
    task_data* t = table_.lookup(e.id);
    if (!t) continue;
    if (t->hub.state == state::waiting || t->hub.state == state::ready) {
      if (r.wait->is_steal) continue;  // it went back to the queue to run elsewhere
      abort_now(*t, "");
      ++r.wait->aborted;
    } else if (t->engine == slot.rank && t->hub.attempt == e.attempt &&
               (!r.wait->is_steal || t->hub.is_stolen)) {  // an abort did not name it since
      t->hub.is_recalled = false;
      t->hub.is_stolen = false;
      if (t->hub.state == state::queued) run(*t);
    }
  }
  resolve_dependents();
  if (--r.wait->answers_due == 0) r.wait->done.set_value(r.wait->aborted);
  promote(slot);
}

void task_flow::accept(task_ptr t) {
  table_.insert(t);
  if (t->request.size() > max_record_bytes) {  // no transport carries it: only this task fails
    fail(*t, failure::message_too_large,
         "task " + std::to_string(t->id) + " (" + handler_name(t->handler) + ") takes " +
             std::to_string(t->request.size()) + " bytes of arguments; a task carries at most " +
             std::to_string(max_record_bytes) +
             " (2 GiB): share large data through files, or "
             "split it across tasks");
    return;
  }
  if (std::string why = read_task_inputs(*t); !why.empty()) {
    fail(*t, failure::invalid_dependency, why);
    return;
  }
  if (const auto* stored = observer_->submitted(*t)) {
    restore(*t, *stored);
    return;
  }
  if (t->target >= 0) {  // direct: no scheduling
    engine_slot* slot = scheduler_.slot_of(t->target);
    if (slot->is_retired) {
      fail(*t, failure::engine_crash,
           "engine " + std::to_string(t->target) + " retired after a task crashed it");
      return;
    }
    t->hub.state = state::queued;
    t->engine = t->target;
    slot->batch.push_back(t.get());
    scheduler_.touched(*slot);
    observer_->dispatched(*t);
    return;
  }
  if (!t->options && t->hub.inputs.empty()) {
    make_ready(*t);
    return;
  }
  static const task_options plain;
  const auto& opts = t->options ? *t->options : plain;
  if (const std::string why = dependencies_.attach(*t); !why.empty()) {
    fail(*t, failure::invalid_dependency, why);
    return;
  }
  if (opts.dependency_timeout().count() > 0) timers_.start_within(t->id, opts.dependency_timeout());
  if (opts.after().empty() && opts.follow().empty() && t->hub.inputs.empty()) {
    make_ready(*t);
    return;
  }
  t->hub.state = state::waiting;
  resolve(*t);
}

void task_flow::resolve(task_data& t) {
  if (t.hub.state != state::waiting) return;
  auto r = dependencies_.resolve(t);
  if (r.is == dependency_resolver::outcome::impossible) {
    fail(t, failure::impossible_dependency, r.why);
  } else if (r.is == dependency_resolver::outcome::ready) {
    dependencies_.settle(t);
    make_ready(t);
  }
}

// Re-checks waiting tasks whose parents finished; iterative, so long chains cannot overflow.
void task_flow::resolve_dependents() {
  while (task_data* t = dependencies_.next_due()) resolve(*t);
}

void task_flow::make_ready(task_data& t) {
  if (std::string why = lost_input(t, scheduler_); !why.empty()) {  // kept on a lost engine
    fail(t, failure::impossible_dependency, why);
    return;
  }
  if (const std::string why = scheduler_.enqueue(t); !why.empty())
    fail(t, failure::impossible_dependency, why);
}

void task_flow::requeue(task_data& t) {
  ++t.hub.attempt;
  t.hub.is_recalled = false;  // a recall of the earlier attempt aborts it when answered
  t.hub.is_stolen = false;
  t.hub.is_waiting_inside = false;
  make_ready(t);
}

bool task_flow::schedule() {
  if (!scheduler_.schedule()) return steal();
  for (task_data* t : scheduler_.assigned()) {
    fill_inputs(*t, t_, inputs_);
    if (t->options && t->options->timeout().count() > 0)
      timers_.end_within(t->id, t->hub.attempt, t->options->timeout());
    observer_->dispatched(*t);
  }
  return true;
}

// Work stealing: with nothing left in the ready queues, each idle engine takes back half of the
// tasks a loaded engine holds and has not started (those it may run), so uneven tasks end
// together instead of waiting behind a long one. A task taken back goes to the queue again once
// its engine confirms it dropped it; one that started meanwhile stays where it is.
bool task_flow::steal() {
  if (!is_stealing_ || scheduler_.has_ready()) return false;
  auto& slots = scheduler_.slots();
  auto is_idle = [](const engine_slot& s) {
    return !s.is_retired && !s.is_gone && s.load() == 0 && s.sent.empty() && s.recalls.empty();
  };
  std::size_t idle = 0;
  std::vector<engine_slot*> loaded;  // engines that hold a task they have not started
  for (auto& s : slots) {
    idle += is_idle(s);
    if (s.is_retired || s.sent.size() < 2) continue;
    if (std::none_of(s.recalls.begin(), s.recalls.end(),
                     [](const pending_recall& r) { return r.wait->is_steal; }))
      loaded.push_back(&s);  // one steal at a time from each
  }
  if (idle <= stolen_in_flight_ || loaded.empty()) return false;
  bool did = false;
  std::vector<task_data*> spare, best;
  for (auto& thief : slots) {
    if (!is_idle(thief)) continue;
    auto victim = loaded.end();
    best.clear();
    for (auto it = loaded.begin(); it != loaded.end(); ++it) {
      const engine_slot& s = **it;
      spare.clear();
      for (std::size_t i = 1; i < s.sent.size(); ++i) {  // the first has started, or will next
        task_data* t = table_.lookup(s.sent[i].id);
        if (t && t->hub.state == state::queued && t->engine == s.rank &&
            t->hub.attempt == s.sent[i].attempt && !t->hub.is_recalled && t->target < 0 &&
            t->hub.origin == 0 && scheduler_.may_run_on(*t, thief))
          spare.push_back(t);
      }
      if (spare.size() > best.size()) victim = it, best.swap(spare);
    }
    if (victim == loaded.end()) continue;            // nothing this engine may run
    const std::size_t take = (best.size() + 1) / 2;  // the newest
    std::vector<sent_task> tasks;
    for (std::size_t i = best.size() - take; i < best.size(); ++i) {
      best[i]->hub.is_recalled = true;
      best[i]->hub.is_stolen = true;
      tasks.push_back({best[i]->id, best[i]->hub.attempt});
    }
    auto wait = std::make_shared<recall_wait>();
    wait->is_steal = true;
    stolen_in_flight_ += tasks.size();
    send_recall(**victim, std::move(tasks), std::move(wait));
    loaded.erase(victim);
    did = true;
    if (stolen_in_flight_ >= idle || loaded.empty()) break;
  }
  return did;
}

void task_flow::accept_remote(int source, const char* payload, std::size_t n) {
  reader in(payload, n);
  const auto submitted_by = decode<std::uint64_t>(in);
  const auto options_size = decode<std::uint64_t>(in);
  reader options_in(in.take(options_size), options_size);
  const auto record_size = in.remaining();
  const char* record = in.take(record_size);
  record_header h;
  if (record_size < sizeof h) throw decode_error("a submitted task is shorter than its header");
  std::memcpy(&h, record, sizeof h);
  auto t = std::allocate_shared<task_data>(block_allocator<task_data>());
  t->id = h.task;
  t->handler = h.handler;
  t->submitted = std::chrono::system_clock::now();
  t->request = take_buffer(record_size);
  put_raw(t->request, record, record_size);
  t->hub.origin = source;
  t->hub.submitted_by = submitted_by;
  t->core = client_;
  if (options_size > 0) t->options = std::make_shared<task_options>(decode_options(options_in));
  accept(std::move(t));
}

// A task an engine submitted that the hub cannot take: its submitter learns why.
void task_flow::refuse_remote(int source, const record_header& h, const std::string& why) {
  bytes out;
  const auto at = begin_record(out, record_kind::failure, h.task, h.handler);
  put_run_times(out, run_times{});
  encode(out, std::string("taskhub::decode_error"));
  encode(out, "the hub could not read a task submitted by a task: " + why);
  end_record(out, at);
  t_.send(source, std::move(out));
}

void task_flow::complete(engine_slot& slot, const record_header& h, const char* payload,
                         const std::shared_ptr<const bytes>& batch) {
  --slot.outstanding;
  scheduler_.touched(slot);
  forget_sent(slot, h.task, attempt_of(h));
  task_data* t = table_.lookup(h.task);
  // A late answer: the task timed out, was retried elsewhere, aborted, or the run is ending.
  if (!t || (t->hub.state != state::queued && t->hub.state != state::running) ||
      t->engine != slot.rank || attempt_of(h) != t->hub.attempt)
    return;
  const outcome_view out = read_outcome(h, payload);
  if (h.kind == record_kind::failure && t->target < 0) {
    std::string type;
    try {
      reader in(out.data, out.size);
      type = decode<std::string>(in);
    } catch (const decode_error&) {
    }
    if (type == "taskhub::unmet_dependency") {  // this engine cannot run it: try another
      t->hub.excluded.push_back(slot.rank);
      requeue(*t);
      return;
    }
    if (retry(*t, slot.rank, out.data, out.size)) return;
  }
  t->reply = batch;
  t->result_data = out.data;
  t->result_size = out.size;
  if (h.kind == record_kind::result && is_kept(h)) {  // the engine keeps it: only its size came
    t->kept_on = slot.rank;
    std::memcpy(&t->kept_size, out.data, std::min(out.size, sizeof t->kept_size));
    t->result_size = 0;
  }
  t->started_us = out.times.started_us;
  t->completed_us = out.times.completed_us;
  finish(*t, h.kind == record_kind::result ? state::done : state::failed);
}

// Runs a failed attempt again while its retries last, on an engine it has not failed on
// (IPython parallel's rule); when none is left, fails the task as one that cannot run. Returns
// whether it did either.
bool task_flow::retry(task_data& t, int engine, const char* why, std::size_t size) {
  if (t.hub.retries_used >= (t.options ? t.options->retries() : 0)) return false;
  if (!contains(t.hub.tried, engine)) t.hub.tried.push_back(engine);
  if (!scheduler_.can_run(t)) {
    std::string last;
    try {
      reader in(why, size);
      last = decode<std::string>(in);
      last += ": " + decode<std::string>(in);
    } catch (const decode_error&) {
    }
    const bool has_timeout = t.options->dependency_timeout().count() > 0;
    fail(t, has_timeout ? failure::dependency_timeout : failure::impossible_dependency,
         "task " + std::to_string(t.id) + " failed on every engine it may run on (" +
             list_ranks(t.hub.tried) + "); the last failure, on engine " + std::to_string(engine) +
             ", was " + last);
    return true;
  }
  observer_->retried(t, engine, why, size);
  ++t.hub.retries_used;
  requeue(t);
  return true;
}

// A task an earlier run finished: answered from the journal, never sent.
void task_flow::restore(task_data& t, const stored_outcome& s) {
  t.set_result(s.result);
  t.engine = s.engine;
  t.started_us = s.started_us;
  t.completed_us = s.completed_us;
  t.hub.is_restored = true;
  finish(t, s.is_done ? state::done : state::failed);
}

void task_flow::fail(task_data& t, const std::string& type, const std::string& message,
                     taskhub::task_state st) {
  t.set_result(encoded_failure(type, message));
  finish(t, st);
}

void task_flow::finish(task_data& t, taskhub::task_state st) {
  t.hub.state = st;
  t.objects.clear();  // engines may drop the objects it took once nothing else refers to them
  t.hub.is_waiting_inside = false;
  ++changes_;
  t.hub.is_recalled = false;
  t.hub.is_stolen = false;
  const bool is_ok = st == state::done;
  if (engine_slot* slot = scheduler_.slot_of(t.engine); slot && st != state::aborted)
    ++(is_ok ? slot->done : slot->failed);
  if (!is_ok) {
    const auto e = failure_of(t);
    t.hub.error = e.type_name() + ": " + e.message();
  }
  observer_->finished(t, st);
  auto held = table_.find(t.id);
  if (held.get() != &t) {  // not in the table (never the case): published at once
    observer_->record_outcomes();
    if (publish(t)) completions().notify();
  } else {
    unpublished_.push_back(std::move(held));
  }
  dependencies_.settle(t);
  dependencies_.finished(t);
  t.hub.input_parents = {};  // what it took may leave the table now
  table_.retain_arguments(t);
  table_.finished(t);
}

// Clients see an outcome only once the observer recorded it: a task whose result a client saw
// never runs again after a kill.
void task_flow::publish() {
  send_releases();
  if (unpublished_.empty()) return;
  observer_->record_outcomes();
  bool is_notify_due = false;
  for (const auto& t : unpublished_) is_notify_due = publish(*t) || is_notify_due;
  unpublished_.clear();
  if (is_notify_due) completions().notify();
  if (!dependencies_.has_due()) table_.release_unheld();  // nothing points to what it drops
}

// Kept results of tasks that left the table are dropped where they were kept.
void task_flow::send_releases() {
  auto released = table_.take_released_kept();
  if (released.empty()) return;
  std::map<int, std::vector<std::uint64_t>> by_engine;
  for (const auto& [engine, id] : released) by_engine[engine].push_back(id);
  for (const auto& [engine, ids] : by_engine) {
    const engine_slot* slot = scheduler_.slot_of(engine);
    if (!slot || slot->is_gone || is_stopping_) continue;
    bytes msg = take_buffer(sizeof(record_header) + ids.size() * sizeof(std::uint64_t));
    const auto at = begin_record(msg, record_kind::release, 0, 0);
    for (auto id : ids) put_raw(msg, &id, sizeof id);
    end_record(msg, at);
    t_.send(engine, std::move(msg));
  }
}

// Hands one recorded outcome to its client; returns whether a client may wait for it.
bool task_flow::publish(task_data& t) {
  const bool is_ok = t.hub.state == state::done;
  if (t.hub.origin != 0 && !is_stopping_) send_outcome_to_origin(t, is_ok);
  t.status.store(is_ok ? task_status::done : task_status::failed);
  return completions().is_watched(t);
}

// A task submitted `t`: its outcome goes to that task's engine, with where `t` ran in its flags.
void task_flow::send_outcome_to_origin(const task_data& t, bool is_ok) {
  bytes out = take_buffer(sizeof(record_header) + sizeof(run_times) + t.result_size);
  const auto at =
      begin_record(out, is_ok ? record_kind::result : record_kind::failure, t.id, t.handler);
  set_flags(out, at, static_cast<std::uint32_t>(t.engine < 0 ? 0 : t.engine));
  put_run_times(out, run_times{t.started_us, t.completed_us});
  put_raw(out, t.result_data, t.result_size);
  end_record(out, at);
  t_.send(t.hub.origin, std::move(out));
}

// ---- time-outs ----

void task_flow::check_timers() {
  const auto now = timers::now_ns();
  timers_.take_late_starts(now, [&](const timers::timer& tm) {
    auto* t = table_.lookup(tm.id);
    if (!t || (t->hub.state != state::waiting && t->hub.state != state::ready)) return;
    fail(*t, failure::dependency_timeout,
         "task " + std::to_string(tm.id) + " did not start within " +
             millis_text(t->options->dependency_timeout()) + " (" + dependencies_.reason_of(*t) +
             ")");
  });
  timers_.take_late_ends(now, [&](const timers::timer& tm) {
    auto* t = table_.lookup(tm.id);
    if (!t || (t->hub.state != state::queued && t->hub.state != state::running) ||
        t->hub.attempt != tm.attempt)
      return;
    t->hub.is_request_pinned = true;  // its send may not have finished
    const std::string why = "task " + std::to_string(tm.id) + " ran longer than " +
                            millis_text(t->options->timeout()) + " on engine " +
                            std::to_string(t->engine);
    const bytes reason = encoded_failure(failure::task_timeout, why);
    if (!retry(*t, t->engine, reason.data(), reason.size())) fail(*t, failure::task_timeout, why);
  });
  resolve_dependents();
}

// Time until a timer or the observer is due.
std::chrono::microseconds task_flow::until_due() const {
  return std::min(timers_.until_next(), observer_->until_due());
}

// A task crashed this engine: nothing more goes there, and what it still held runs elsewhere.
void task_flow::retire(engine_slot& slot) {
  if (slot.is_retired) return;
  scheduler_.retire(slot);
  move_tasks_of(slot, failure::engine_crash, "engine " + std::to_string(slot.rank) + " retired");
}

std::vector<std::string> task_flow::engine_died(engine_slot& slot, const std::string& who) {
  std::vector<task_data*> running;
  if (!slot.is_retired) {
    table_.for_each([&](task_data& t) {
      if (t.hub.state == state::running && t.engine == slot.rank) running.push_back(&t);
    });
    scheduler_.retire(slot);
  }
  std::vector<std::string> names;
  for (task_data* t : running) {
    names.push_back("task " + std::to_string(t->id) + " (" + handler_name(t->handler) + ")");
    t->hub.is_request_pinned = true;  // its send may not have finished
    const std::string message = who + " died while running task " + std::to_string(t->id);
    const bytes why = encoded_failure(failure::engine_died, message);
    if (!retry(*t, slot.rank, why.data(), why.size())) fail(*t, failure::engine_died, message);
  }
  move_tasks_of(slot, failure::engine_died, who + " died");
  recall_starved_by(slot.rank);
  return names;
}

// Tasks sent to other engines that wait there for a result the engine of `dead` kept: it will
// not come. They are recalled; dropped, they come back to the queue, which fails them naming the
// engine (make_ready). One that got the value in time and started runs on.
void task_flow::recall_starved_by(int dead) {
  for (auto& s : scheduler_.slots()) {
    if (s.rank == dead || s.is_retired || s.is_gone) continue;
    std::vector<sent_task> tasks;
    for (const auto& e : s.sent) {
      task_data* t = table_.lookup(e.id);
      if (!t || t->engine != s.rank || t->hub.attempt != e.attempt || t->hub.is_recalled ||
          (t->hub.state != state::queued && t->hub.state != state::running))
        continue;
      const auto& parents = t->hub.input_parents;
      if (std::none_of(parents.begin(), parents.end(),
                       [dead](const auto& p) { return p->kept_on == dead; }))
        continue;
      t->hub.state = state::queued;  // the first sent counts as running; it waits for its input
      t->hub.is_recalled = true;
      t->hub.is_stolen = true;
      tasks.push_back(e);
    }
    if (tasks.empty()) continue;
    auto wait = std::make_shared<recall_wait>();
    wait->is_steal = true;
    stolen_in_flight_ += tasks.size();
    send_recall(s, std::move(tasks), std::move(wait));
  }
}

// Tasks the engine of `slot` held go back to the queue; those meant for it alone fail.
void task_flow::move_tasks_of(engine_slot& slot, const char* type, const std::string& what) {
  table_.for_each([&](task_data& t) {
    if ((t.hub.state != state::queued && t.hub.state != state::running) || t.engine != slot.rank)
      return;
    t.hub.is_request_pinned = true;  // a send to the dead engine may still read it
    if (t.target >= 0) {
      fail(t, type, what + " before task " + std::to_string(t.id) + " ran");
    } else {
      requeue(t);
    }
  });
  // Queued tasks that only this engine could still run (say, the one engine a retry had left).
  table_.for_each([&](task_data& t) {
    if (t.hub.state != state::ready) return;
    if (std::string why = scheduler_.why_not(t); !why.empty())
      fail(t, failure::impossible_dependency, why);
  });
  while (!slot.recalls.empty()) answer_recall(slot);  // what went back to the queue is aborted
  resolve_dependents();
}

// Tasks unfinished when the client returned fail, so nothing waits on them forever.
void task_flow::abandon_all() {
  table_.for_each([&](task_data& t) {
    if (!t.hub.is_finished())
      fail(t, failure::run_ended,
           "the run ended before task " + std::to_string(t.id) + " finished");
  });
  for (auto& slot : scheduler_.slots())
    while (!slot.recalls.empty()) answer_recall(slot);
  dependencies_.clear();
  scheduler_.clear();
  publish();
  completions().notify();
}

}  // namespace taskhub::detail
