// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's loop: receive, run, send, back off when idle.
#include "engine/engine_loop.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/options_codec.hpp"
#include "core/registry.hpp"
#include "taskhub/detail/wire.hpp"
#include "transport/mpi_yield.hpp"
#include "core/voice.hpp"
#include "core/ending.hpp"

namespace taskhub::detail {
namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Thrown out of a wait inside a task when the hub stops the run.
struct run_stopped : error {
  run_stopped() : error("the run ended while this task waited for tasks it submitted") {}
};

/// A task crashed the engine.
struct crashed : error {
  using error::error;
};

/// A task failed in the engine's runner, with the type name it gives.
struct failed_in_runner : error {
  failed_in_runner(std::string type, const std::string& message)
      : error(message), type_name(std::move(type)) {}
  std::string type_name;
};

thread_local engine_loop* current = nullptr;

/// Which arguments of a task are object ids, for the task's call and no longer.
class object_args_scope {
 public:
  object_args_scope(reader& in, const record_header& h) : outer_(object_positions) {
    object_positions = has_objects(h) ? decode<std::uint64_t>(in) : 0;
  }
  ~object_args_scope() { object_positions = outer_; }
  object_args_scope(const object_args_scope&) = delete;
  object_args_scope& operator=(const object_args_scope&) = delete;

 private:
  std::uint64_t outer_;
};

std::string task_text(const record_header& h, int rank) {
  return "task " + std::to_string(h.task) + " (" + handler_name(h.handler) + ") on engine " +
         std::to_string(rank);
}

// A failure in a runner, with the task it ended.
std::string in_context(const record_header& h, int rank, const runner_failure& f) {
  if (f.type == failure::task_crash)
    return f.message + " in " + task_text(h, rank) + "; a new runner replaces it";
  if (f.type == failure::out_of_memory) return f.message + " in " + task_text(h, rank);
  return f.message;
}

}  // namespace

engine_loop::engine_loop(transport& t, int rank, MPI_Comm comm, std::vector<int> engines,
                         std::vector<std::string> tags, const isolation& iso,
                         std::atomic<std::uint64_t>* turns)
    : t_(t), rank_(rank), comm_(comm), engines_(std::move(engines)), tags_(std::move(tags)),
      hub_(*this), objects_(rank, object_budget()), turns_(turns), iso_(iso),
      runner_(iso.has_runners ? std::make_unique<runner>(iso.memory_limit) : nullptr) {}

int engine_loop::run() {
  while (!is_stopping_) step();
  flush();
  bytes ack;
  end_record(ack, begin_record(ack, record_kind::stop_ack, 0, 0));
  t_.send(0, std::move(ack));
  while (t_.progress()) wait_.idle(t_);
  return exit_code_;
}

// One pass: take what arrived, then handle one record, or back off when there is none.
void engine_loop::step(bool may_run_tasks) {
  if (turns_) turns_->store(turns_->load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  receive();
  incoming r;
  if (!next(r, may_run_tasks)) {
    idle();
    return;
  }
  wait_.busy();
  handle(r, may_run_tasks);
}

// After a long task, what the hub sent meanwhile (a recall of the next tasks, say) may need more
// than one poll to come out of MPI: look a few more times before the next task starts.
void engine_loop::receive() {
  int source = 0;
  bytes msg;
  const int most_misses = is_back_from_long_task_ ? 4 : 1;
  is_back_from_long_task_ = false;
  for (int misses = 0; misses < most_misses;) {
    if (!t_.poll(source, msg)) {
      ++misses;
      continue;
    }
    record_header h;
    if (msg.size() >= sizeof h) std::memcpy(&h, msg.data(), sizeof h);
    if (msg.size() >= sizeof h && h.kind == record_kind::recall) {
      answer_recall(msg);  // at once: the tasks it names may be next in line
    } else {
      queue_.add(std::move(msg));
      msg = bytes();
    }
  }
}

// The hub asks to drop tasks it sent: what is still queued here never runs. The answer names
// each task dropped, then closes; what it does not name has started (or finished).
void engine_loop::answer_recall(const bytes& msg) {
  record_reader r(msg.data(), msg.size());
  record_header h;
  const char* payload = nullptr;
  while (r.next(h, payload)) {
    if (h.kind != record_kind::recall) continue;
    for (std::uint64_t i = 0; i + sizeof(recalled_task) <= h.length; i += sizeof(recalled_task)) {
      recalled_task e;
      std::memcpy(&e, payload + i, sizeof e);
      const auto attempt = static_cast<std::uint32_t>(e.attempt);
      if (!drop(e.task, attempt)) continue;
      const auto at = begin_record(out_, record_kind::dropped, e.task, 0);
      set_flags(out_, at, attempt);
      end_record(out_, at);
    }
    end_record(out_, begin_record(out_, record_kind::recall, 0, 0));
  }
  flush();
}

bool engine_loop::drop(std::uint64_t task, std::uint32_t attempt) {
  if (queue_.drop(task, attempt)) return true;
  for (auto it = unfed_.begin(); it != unfed_.end(); ++it) {
    if (it->h.task == task && attempt_of(it->h) == attempt) {
      results_.forgo(it->h, it->payload);
      unfed_.erase(it);
      t_.listen_to_all(!unfed_.empty() || results_.is_owed());
      return true;
    }
  }
  for (auto& r : deferred_) {
    if (r.h.kind == record_kind::task && r.h.task == task && attempt_of(r.h) == attempt) {
      r.h.kind = record_kind::dropped;
      return true;
    }
  }
  return false;
}

// Tasks met while tasks may not run wait in deferred_, and run first once they may.
bool engine_loop::next(incoming& r, bool may_run_tasks) {
  if (may_run_tasks && !deferred_.empty()) {
    r = std::move(deferred_.front());
    deferred_.pop_front();
    return true;
  }
  return queue_.next(r);
}

void engine_loop::idle() {
  flush();
  // While results wait for room in the lane, do not nap past a yield.
  const bool is_sending = t_.progress();
  wait_.idle(t_, is_sending ? std::chrono::microseconds(0) : std::chrono::microseconds::max());
}

void engine_loop::handle(incoming& r, bool may_run_tasks) {
  const record_header& h = r.h;
  switch (h.kind) {
    case record_kind::stop:
      if (h.length >= sizeof exit_code_) std::memcpy(&exit_code_, r.payload, sizeof exit_code_);
      is_stopping_ = true;
      return;
    case record_kind::result:
    case record_kind::failure:
      take_outcome(h, r.payload);
      return;
    case record_kind::send_kept:
      send_kept(h, r.payload);
      return;
    case record_kind::kept:
      take_kept(r);
      return;
    case record_kind::dropped:  // recalled before it ran: what was sent for it is not needed
      if (has_inputs(h)) {
        results_.forgo(h, r.payload);
        t_.listen_to_all(!unfed_.empty() || results_.is_owed());
      }
      return;
    case record_kind::release:
      for (std::uint64_t i = 0; i + sizeof(std::uint64_t) <= h.length; i += sizeof(std::uint64_t)) {
        std::uint64_t task;
        std::memcpy(&task, r.payload + i, sizeof task);
        results_.release(task);
      }
      return;
    case record_kind::object:
      objects_.keep(h, r.payload, r.batch);
      return;
    case record_kind::object_mapped:
      objects_.keep_mapped(h, r.payload);
      return;
    case record_kind::object_drop:
      objects_.drop(h.task);
      return;
    case record_kind::task:
      break;
    default:
      return;
  }
  if (is_retired_) return;  // the hub has sent it elsewhere
  if (is_ending()) return;  // told to end: what starts now would be killed half-way
  if (!may_run_tasks && !is_task_of_task(h.task)) {
    deferred_.push_back(std::move(r));
    return;
  }
  if (has_inputs(h) && !results_.has_inputs(h, r.payload)) {  // another engine sends them
    unfed_.push_back(std::move(r));
    t_.listen_to_all(true);  // engines send by MPI, which a rank served by lanes alone skips
    return;
  }
  note_start(h);
  if (depth_ == 0 && runner_ && !has_requirements(h) && !has_inputs(h) && !is_kept(h) &&
      !has_objects(h) && runs_isolated(h)) {
    run_batch(r);
    is_back_from_long_task_ = last_run_us_ > 1000;
    flush_if_done();
    return;
  }
  if (out_records_++ == 0) first_out_ = std::chrono::steady_clock::now();
  mpi_idle_yield_restore();  // a task may wait in MPI calls of its own
  run_task(h, r.payload);
  is_back_from_long_task_ = last_run_us_ > 1000;
  if (depth_ == 0) mpi_idle_yield_off();  // (inside a waiting task, that task's setting stays)
  flush_if_done();
}

// The hub counts a task queued here until it hears that it started. A result says so too, so a
// task needs no notice of its own unless it starts while records wait to go and are due (the
// notice goes with them, and the hub sees a long task run) or on top of a task that waits.
void engine_loop::note_start(const record_header& h) {
  if (depth_ == 0 && (out_.empty() || !is_flush_due())) return;
  const auto at = begin_record(out_, record_kind::started, h.task, h.handler);
  set_flags(out_, at, attempt_of(h));
  end_record(out_, at);
  flush();
}

// Results go once they have waited 200 us or fill 64 KiB (checked before the next task starts, so
// its start notice goes with them), or once nothing known is left to run (the hub then refills in
// one go).
bool engine_loop::is_flush_due() const {
  return out_.size() > (1u << 16) ||
         std::chrono::steady_clock::now() - first_out_ > std::chrono::microseconds(200);
}

void engine_loop::flush_if_done() {
  if (queue_.size() + deferred_.size() == 0 || out_.size() > (1u << 16)) flush();
}

void engine_loop::flush() {
  if (out_.empty()) return;
  if (is_ending()) {  // outcomes of tasks the launcher is killing must not count
    out_.clear();
    out_records_ = 0;
    return;
  }
  t_.send(0, std::move(out_));
  out_ = take_buffer(4096);
  out_records_ = 0;
}

void engine_loop::note(record_kind kind, std::uint64_t task, std::uint32_t flags) {
  const auto at = begin_record(out_, kind, task, 0);
  set_flags(out_, at, flags);
  end_record(out_, at);
  flush();
}

// After a crash: tell the hub (after this task's failure, which is flushed first), and run
// nothing more.
void engine_loop::retire() {
  if (is_retired_) return;
  is_retired_ = true;
  is_retire_due_ = true;
}

bool engine_loop::help(const std::function<bool()>& is_ready, deadline until) {
  if (is_ready()) return true;
  // While this task waits, its engine runs other tasks on top of it, and the hub may send it
  // more than its high-water mark. Past max_depth it runs only tasks that tasks submitted (the
  // ones waiting tasks wait for), so unrelated tasks cannot pile up on the stack.
  // The hub learns which task waits; past max_depth the wait does not change the engine's load.
  const bool may_run_tasks = depth_ < max_depth;
  const std::uint64_t waiting = running_.empty() ? 0 : running_.back();
  const std::uint32_t flags = may_run_tasks ? 0 : uncounted_wait_flag;
  note(record_kind::blocked, waiting, flags);
  struct unblock {
    engine_loop& e;
    std::uint64_t task;
    std::uint32_t flags;
    ~unblock() { e.note(record_kind::unblocked, task, flags); }
  } on_exit{*this, waiting, flags};
  while (!is_ready()) {
    if (is_stopping_) throw run_stopped();
    if (std::chrono::steady_clock::now() >= until) return true;
    flush();  // the hub must see our submissions and results while we wait
    step(may_run_tasks);
  }
  return true;
}

task_ptr engine_loop::make_task(std::uint64_t handler, int target, std::size_t payload) {
  return new_task(task_of_task_id(rank_, ++submitted_count_), handler, target, payload);
}

void engine_loop::submit(task_ptr t) {
  if (!t->objects.empty())
    throw error("a task cannot pass shared objects to the tasks it submits; pass the values");
  if (t->target >= 0)
    throw error("a task cannot send tasks to a chosen engine; submit them load-balanced");
  if (t->request.size() > max_record_bytes - (std::uint64_t(1) << 20))  // room for the options
    throw error("a task cannot submit a task of " + std::to_string(t->request.size()) +
                " bytes; a task carries at most " + std::to_string(max_record_bytes) + " (2 GiB)");
  const auto at = begin_record(out_, record_kind::submit, t->id, t->handler);
  encode<std::uint64_t>(out_, running_.empty() ? 0 : running_.back());
  const auto size_at = out_.size();
  encode<std::uint64_t>(out_, 0);
  if (t->options) encode_options(out_, *t->options);
  const std::uint64_t options_size = out_.size() - size_at - sizeof(std::uint64_t);
  std::memcpy(out_.data() + size_at, &options_size, sizeof options_size);
  put_raw(out_, t->request.data(), t->request.size());
  end_record(out_, at);
  ++out_records_;
  waiting_[t->id] = std::move(t);
}
void engine_loop::submit(std::vector<task_ptr>& tasks) {
  for (auto& t : tasks) submit(std::move(t));
  tasks.clear();
}

// The outcome of a task one of our tasks submitted.
void engine_loop::take_outcome(const record_header& h, const char* payload) {
  auto it = waiting_.find(h.task);
  if (it == waiting_.end()) return;
  task_ptr t = std::move(it->second);
  waiting_.erase(it);
  const outcome_view out = read_outcome(h, payload);
  t->engine = static_cast<int>(h.flags);
  t->started_us = out.times.started_us;
  t->completed_us = out.times.completed_us;
  bytes result = take_buffer(out.size);
  put_raw(result, out.data, out.size);
  t->set_result(std::move(result));
  t->status.store(h.kind == record_kind::result ? task_status::done : task_status::failed);
}

// The hub asks for kept results to go to the engine named in the flags, for a task queued there.
void engine_loop::send_kept(const record_header& h, const char* payload) {
  const int dest = static_cast<int>(h.flags);
  bytes msg;
  for (std::uint64_t i = 0; i + sizeof(std::uint64_t) <= h.length; i += sizeof(std::uint64_t)) {
    std::uint64_t task;
    std::memcpy(&task, payload + i, sizeof task);
    const bytes* value = results_.find(task);
    if (!value) continue;  // released: the task that wanted it fails when it finds it missing
    if (msg.empty()) msg = take_buffer(sizeof(record_header) + value->size());
    const auto at = begin_record(msg, record_kind::kept, task, 0);
    put_raw(msg, value->data(), value->size());
    end_record(msg, at);
  }
  if (!msg.empty()) t_.send(dest, std::move(msg));
}

// A kept result another engine sent: the tasks waiting for it may run once they have them all.
void engine_loop::take_kept(incoming& r) {
  results_.receive(r.h.task, r.payload, r.h.length);
  for (auto it = unfed_.begin(); it != unfed_.end();) {
    if (results_.has_inputs(it->h, it->payload)) {
      deferred_.push_back(std::move(*it));
      it = unfed_.erase(it);
    } else {
      ++it;
    }
  }
  t_.listen_to_all(!unfed_.empty() || results_.is_owed());
}

// Checks the shipped predicates a task requires; throws unmet_dependency if one says no.
void engine_loop::check_requirements(reader& in) {
  const auto n = decode<std::uint32_t>(in);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto id = decode<std::uint64_t>(in);
    const handler_entry* e = find_handler(id);
    bytes answer;
    reader none(nullptr, 0);
    bool is_met = false;
    if (e) {
      e->invoke(none, answer);
      reader a(answer.data(), answer.size());
      is_met = decode<bool>(a);
    }
    if (!is_met)
      throw unmet_dependency("requirement " + handler_name(id) + " is not met on engine " +
                             std::to_string(rank_));
  }
}

// Runs one task record, appending a result or failure record to out_. The record is built
// aside, since the task may wait for tasks it submitted, and serve others meanwhile.
void engine_loop::run_task(const record_header& h, const char* payload) {
  if (depth_ == scratch_.size()) scratch_.emplace_back();
  bytes& rec = scratch_[depth_];
  rec.clear();
  ++depth_;
  running_.push_back(h.task);
  const auto at = begin_record(rec, record_kind::result, h.task, h.handler);
  set_flags(rec, at, attempt_of(h));
  const std::int64_t started = now_us();
  put_run_times(rec, run_times{started, started});  // completed, set below
  const auto times_end = rec.size();
  auto fail = [&](const std::string& type, const std::string& message) {
    rec.resize(times_end);
    set_kind(rec, at, record_kind::failure);
    encode(rec, type);
    encode(rec, message);
  };
  sigjmp_buf landing;
  sigjmp_buf* outer_landing = crash_landing();
  try {
    if (const int sig = sigsetjmp(landing, 0); sig != 0) {
      crash_landing() = outer_landing;
      retire();
      const char* what = strsignal(sig);
      throw crashed("signal " + std::to_string(sig) + " (" + (what ? what : "?") + ") in task " +
                    std::to_string(h.task) + " (" + handler_name(h.handler) + ") on engine " +
                    std::to_string(rank_) + "; the engine retires");
    }
    crash_landing() = &landing;
    bytes spliced;  // the arguments with the results they take, when they take any
    if (has_inputs(h)) spliced = results_.splice(h, payload);
    reader in(has_inputs(h) ? spliced.data() : payload, has_inputs(h) ? spliced.size() : h.length);
    if (has_requirements(h)) check_requirements(in);
    object_args_scope objects(in, h);
    const handler_entry* e = find_handler(h.handler);
    if (!e) {
      throw error("engine " + std::to_string(rank_) + " has no function with id " +
                  handler_id_text(h.handler) +
                  ": the ranks do not run the same binary, or the id is corrupt");
    }
    if (runs_isolated(h)) {
      if (has_objects(h))
        throw error(task_text(h, rank_) + " takes shared objects or cached arguments, which an "
                    "isolated task cannot read: they live in its engine");
      run_isolated(h, in, rec);
    } else {
      e->invoke(in, rec);
    }
    crash_landing() = outer_landing;
  } catch (const crashed& c) {
    fail(failure::engine_crash, c.what());
  } catch (const failed_in_runner& f) {
    crash_landing() = outer_landing;
    fail(f.type_name, f.what());
  } catch (const run_stopped&) {
    crash_landing() = outer_landing;
    fail("taskhub::run_ended", "the run ended while the task waited for tasks it submitted");
  } catch (const std::exception& ex) {
    crash_landing() = outer_landing;
    fail(exception_type_name(ex), ex.what());
  } catch (...) {
    crash_landing() = outer_landing;
    fail("unknown exception", "a value that is not a std::exception was thrown");
  }
  if (rec.size() - at > max_record_bytes) {  // no transport carries it: the task fails instead
    const auto size = rec.size() - at - sizeof(record_header) - sizeof(run_times);
    fail(failure::message_too_large,
         "task " + std::to_string(h.task) + " (" + handler_name(h.handler) + ") returned " +
             std::to_string(size) + " bytes; a result carries at most " +
             std::to_string(max_record_bytes) + " (2 GiB)");
    rec.shrink_to_fit();
  }
  if (is_kept(h) && rec.size() > times_end &&
      rec.size() - at <= max_record_bytes) {  // the result stays; the hub learns its size
    record_header out;
    std::memcpy(&out, rec.data() + at, sizeof out);
    if (out.kind == record_kind::result) {
      results_.keep(h.task, rec.data() + times_end, rec.size() - times_end);
      const std::uint64_t size = rec.size() - times_end;
      rec.resize(times_end);
      put_raw(rec, &size, sizeof size);
      set_flags(rec, at, attempt_of(h) | kept_flag);
    }
  }
  const std::int64_t completed = now_us();
  last_run_us_ = completed - started;
  set_completed(rec, at, completed);
  end_record(rec, at);
  --depth_;
  running_.pop_back();
  put_raw(out_, rec.data(), rec.size());
  if (is_retire_due_) {
    is_retire_due_ = false;
    say_info("engine %d retires after a task crashed it", rank_);
    note(record_kind::retire, 0, 0);
  }
}

// Whether this task runs in the runner: it asks to, or the run isolates every task but the
// runtime's own (the engine's store, say, lives in the engine).
bool engine_loop::runs_isolated(const record_header& h) {
  if (is_isolated(h)) return true;
  if (!iso_.is_every_task) return false;
  auto it = is_runtime_handler_.find(h.handler);
  if (it == is_runtime_handler_.end()) {
    const bool is_runtime = handler_name(h.handler).rfind("taskhub::", 0) == 0;
    it = is_runtime_handler_.emplace(h.handler, is_runtime).first;
  }
  return !it->second;
}

void engine_loop::run_isolated(const record_header& h, reader& in, bytes& rec) {
  if (!runner_)
    throw error(task_text(h, rank_) + " asks to run isolated, but the run has no runners: start "
                "it with --taskhub-isolate=on-request (or =all)");
  const std::size_t size = in.remaining();
  runner_failure f;
  runner_->run({{h.handler, in.take(size), size}}, rank_,
               [&](std::size_t, const runner_outcome& o) {
                 if (o.failure.type.empty()) put_raw(rec, o.result, o.size);
                 f = o.failure;
               });
  if (!f.type.empty()) throw failed_in_runner(f.type, in_context(h, rank_, f));
}

// Runs `first`, an isolated task, and the isolated tasks queued right behind it in one exchange
// with the runner, appending their outcomes to out_.
void engine_loop::run_batch(incoming& first) {
  constexpr std::size_t most_tasks = 64, most_bytes = std::size_t(1) << 20;
  std::vector<incoming> batch;
  std::size_t size = first.h.length;
  batch.push_back(std::move(first));
  incoming r;
  while (batch.size() < most_tasks && size < most_bytes && next(r, true)) {
    if (r.h.kind != record_kind::task || has_requirements(r.h) || has_inputs(r.h) ||
        is_kept(r.h) || !runs_isolated(r.h)) {
      deferred_.push_front(std::move(r));  // next in line still
      break;
    }
    size += r.h.length;
    batch.push_back(std::move(r));
  }
  std::vector<runner_task> tasks;
  for (const auto& t : batch) tasks.push_back({t.h.handler, t.payload, t.h.length});
  const std::int64_t started = now_us();
  std::size_t taken = 0;
  auto take = [&](std::size_t i, const runner_outcome& o) {
    taken = i + 1;
    const record_header& h = batch[i].h;
    runner_failure f = o.failure;
    constexpr std::uint64_t most = max_record_bytes - sizeof(record_header) - sizeof(run_times);
    if (f.type.empty() && o.size > most) {
      f = {failure::message_too_large,
           task_text(h, rank_) + " returned " + std::to_string(o.size) +
               " bytes; a result carries at most " + std::to_string(max_record_bytes) + " (2 GiB)"};
    }
    const auto at = begin_record(out_, f.type.empty() ? record_kind::result : record_kind::failure,
                                 h.task, h.handler);
    set_flags(out_, at, attempt_of(h));
    const std::int64_t now = now_us();
    put_run_times(out_, o.started_us != 0 ? run_times{o.started_us, o.completed_us}
                                          : run_times{now, now});
    if (f.type.empty()) {
      put_raw(out_, o.result, o.size);
    } else {
      encode(out_, f.type);
      encode(out_, in_context(h, rank_, f));
    }
    end_record(out_, at);
    if (out_records_++ == 0) first_out_ = std::chrono::steady_clock::now();
  };
  try {
    runner_->run(tasks, rank_, take);
  } catch (const std::exception& e) {  // no runner to be had: the tasks left fail, saying why
    runner_outcome o;
    o.failure = {exception_type_name(e), e.what()};
    for (std::size_t i = taken; i < batch.size(); ++i) take(i, o);
  }
  last_run_us_ = now_us() - started;
}

engine_loop& current_engine(const char* what) {
  if (isolated_rank() >= 0)
    throw error(std::string(what) + " is not available in an isolated task: it runs in a process "
                "of its own, apart from its engine (submit from a task that is not isolated)");
  if (!current) throw error(std::string(what) + " is only available inside a task on an engine");
  return *current;
}

int serve_engine(transport& t, int rank, MPI_Comm engines_comm, const std::vector<int>& engines,
                 const std::vector<std::string>& tags, const isolation& iso,
                 std::atomic<std::uint64_t>* turns) {
  engine_loop e(t, rank, engines_comm, engines, tags, iso, turns);
  current = &e;
  is_engine_thread = true;
  set_thread_helper(&e);
  const int code = e.run();
  set_thread_helper(nullptr);
  current = nullptr;
  return code;
}

}  // namespace taskhub::detail
