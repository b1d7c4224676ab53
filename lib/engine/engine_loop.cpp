// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "engine/engine_loop.hpp"
#include "transport/mpi_yield.hpp"

#include <setjmp.h>
#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iterator>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/backoff.hpp"
#include "core/options_codec.hpp"
#include "core/registry.hpp"
#include "taskhub/detail/submit.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/engine.hpp"
#include "taskhub/hub.hpp"

namespace taskhub::detail {
namespace {

constexpr std::uint32_t attempt_bits = ~has_requirements_flag;
constexpr std::uint64_t task_of_task_ids = std::uint64_t(1) << 48;  // and above: submitted by tasks

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A record to handle, and the batch it lives in: a task that waits for tasks it submitted lets
// its engine take later batches, so the batch must outlive the inbox's hold on it.
struct incoming {
  record_header h;
  const char* payload = nullptr;
  std::shared_ptr<const bytes> batch;
};

// Records waiting to run: the batches received, and a cursor in the oldest.
class inbox {
 public:
  void add(bytes batch) {
    record_reader r(batch.data(), batch.size());  // validates the framing before anything runs
    record_header h;
    const char* p;
    while (r.next(h, p)) ++records_;
    if (batch.empty()) return;
    batches_.emplace_back(new bytes(std::move(batch)), [](const bytes* b) {
      recycle_buffer(std::move(*const_cast<bytes*>(b)));
      delete b;
    });
  }
  bool next(incoming& r) {
    while (!batches_.empty()) {
      const auto& b = batches_.front();
      if (cursor_ < b->size()) {
        std::memcpy(&r.h, b->data() + cursor_, sizeof r.h);
        r.payload = b->data() + cursor_ + sizeof r.h;
        r.batch = b;
        cursor_ += sizeof r.h + r.h.length;
        --records_;
        return true;
      }
      batches_.pop_front();
      cursor_ = 0;
    }
    return false;
  }
  std::size_t size() const { return records_; }

 private:
  std::deque<std::shared_ptr<const bytes>> batches_;
  std::size_t cursor_ = 0;
  std::size_t records_ = 0;
};

// A fatal signal inside a task jumps back to the engine loop, which reports the task as crashed
// and retires the engine: its memory may be damaged, so it runs nothing more, and the hub sends
// its other tasks elsewhere.
thread_local sigjmp_buf* crash_landing = nullptr;
constexpr int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};

extern "C" void on_fatal_signal(int sig) {
  if (crash_landing) siglongjmp(*crash_landing, sig);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Catches fatal signals in this thread while it lives (on an alternate stack, so a stack
// overflow is caught too), and restores the previous handlers after.
class crash_guard {
 public:
  crash_guard() : stack_(std::make_unique<char[]>(stack_size)) {
    stack_t alt{};
    alt.ss_sp = stack_.get();
    alt.ss_size = stack_size;
    sigaltstack(&alt, &old_stack_);
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < std::size(fatal_signals); ++i)
      sigaction(fatal_signals[i], &sa, &old_[i]);
  }
  ~crash_guard() {
    for (std::size_t i = 0; i < std::size(fatal_signals); ++i) sigaction(fatal_signals[i], &old_[i], nullptr);
    sigaltstack(&old_stack_, nullptr);
  }

 private:
  static constexpr std::size_t stack_size = 1 << 16;
  std::unique_ptr<char[]> stack_;
  stack_t old_stack_{};
  struct sigaction old_[std::size(fatal_signals)] {};
};

/// Thrown out of a wait inside a task when the hub stops the run.
struct run_stopped : error {
  run_stopped() : error("the run ended while this task waited for tasks it submitted") {}
};

// One engine: its loop, its store, and the client its tasks submit tasks through.
class engine_runtime final : public client_core {
 public:
  engine_runtime(transport& t, int rank, MPI_Comm comm, std::vector<int> engines,
                 std::vector<std::string> tags)
      : t_(t), rank_(rank), comm_(comm), engines_(std::move(engines)), tags_(std::move(tags)),
        hub_(*this) {}

  int run() {
    while (!is_stopping_) step();
    flush();
    bytes ack;
    end_record(ack, begin_record(ack, record_kind::stop_ack, 0, 0));
    t_.send(0, std::move(ack));
    while (t_.progress()) std::this_thread::sleep_for(std::chrono::microseconds(50));
    return exit_code_;
  }

  // Runs other work until `is_ready` holds: a task waiting for tasks it submitted keeps its
  // engine serving, so the tasks it waits for can run here too.
  bool serve_until(const std::function<bool()>& is_ready, deadline until) {
    if (is_ready()) return true;
    // While this task waits, its engine runs other tasks on top of it, and the hub may send it
    // more than its high-water mark. Past max_depth it runs only tasks that tasks submitted (the
    // ones waiting tasks wait for), so unrelated tasks cannot pile up on the stack.
    const bool may_run_tasks = depth_ < max_depth;
    if (may_run_tasks) note(record_kind::blocked);
    struct unblock {
      engine_runtime& e;
      bool is_due;
      ~unblock() {
        if (is_due) e.note(record_kind::unblocked);
      }
    } on_exit{*this, may_run_tasks};
    while (!is_ready()) {
      if (is_stopping_) throw run_stopped();
      if (std::chrono::steady_clock::now() >= until) return false;
      flush();  // the hub must see our submissions and results while we wait
      step(may_run_tasks);
    }
    return true;
  }

  // client_core: tasks submitted by tasks go to the hub, which sends their outcome back here.
  task_ptr make_task(std::uint64_t handler, int target, std::size_t payload) override {
    return new_task((static_cast<std::uint64_t>(rank_) << 48) | ++submitted_count_, handler, target,
                    payload);
  }
  void submit(task_ptr t) override {
    if (t->target >= 0)
      throw error("a task cannot send tasks to a chosen engine; submit them load-balanced");
    const auto at = begin_record(out_, record_kind::submit, t->id, t->handler);
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
  void submit(std::vector<task_ptr>& tasks) override {
    for (auto& t : tasks) submit(std::move(t));
    tasks.clear();
  }
  const std::vector<int>& engines() const override { return engines_; }

  int rank() const { return rank_; }
  MPI_Comm comm() const { return comm_; }
  const std::vector<std::string>& tags() const { return tags_; }
  taskhub::hub& hub() { return hub_; }
  std::unordered_map<std::string, store_entry>& store() { return store_; }

 private:
  // One pass: take what arrived, then handle one record or back off. Tasks met while tasks may
  // not run wait in deferred_ and run first once they may.
  void step(bool may_run_tasks = true) {
    int source = 0;
    bytes msg;
    while (t_.poll(source, msg)) queue_.add(std::move(msg));
    incoming r;
    if (may_run_tasks && !deferred_.empty()) {
      r = std::move(deferred_.front());
      deferred_.pop_front();
    } else if (!queue_.next(r)) {
      flush();
      // While results wait for room in the lane, do not nap past a yield.
      const bool is_sending = t_.progress();
      wait_.idle(t_, is_sending ? std::chrono::microseconds(0) : std::chrono::microseconds::max());
      return;
    }
    wait_.busy();
    const record_header& h = r.h;
    const char* payload = r.payload;
    if (is_retired_ && h.kind == record_kind::task) return;  // the hub has sent it elsewhere
    if (!may_run_tasks && h.kind == record_kind::task && h.task < task_of_task_ids) {
      deferred_.push_back(std::move(r));
      return;
    }
    switch (h.kind) {
      case record_kind::stop:
        if (h.length >= sizeof exit_code_) std::memcpy(&exit_code_, payload, sizeof exit_code_);
        is_stopping_ = true;
        return;
      case record_kind::result:
      case record_kind::failure:
        take_outcome(h, payload);
        return;
      case record_kind::task:
        break;
      default:
        return;
    }
    if (out_records_++ == 0) first_out_ = std::chrono::steady_clock::now();
    mpi_idle_yield_restore();  // a task may wait in MPI calls of its own
    run_task(h, payload);
    if (depth_ == 0) mpi_idle_yield_off();  // (inside a waiting task, that task's setting stays)
    // Send results once nothing known is left to run (the hub then refills in one go), or once
    // they have waited 200 us or fill 64 KiB.
    if (queue_.size() + deferred_.size() == 0 || out_.size() > (1u << 16) ||
        std::chrono::steady_clock::now() - first_out_ > std::chrono::microseconds(200)) {
      flush();
    }
  }

  struct crashed : error {
    using error::error;
  };

  // After a crash: tell the hub (after this task's failure, which is flushed first), and run
  // nothing more.
  void retire() {
    if (is_retired_) return;
    is_retired_ = true;
    is_retire_due_ = true;
  }

  void note(record_kind kind) {
    end_record(out_, begin_record(out_, kind, 0, 0));
    flush();
  }

  void flush() {
    if (out_.empty()) return;
    t_.send(0, std::move(out_));
    out_ = take_buffer(4096);
    out_records_ = 0;
  }

  // The outcome of a task one of our tasks submitted.
  void take_outcome(const record_header& h, const char* payload) {
    auto it = waiting_.find(h.task);
    if (it == waiting_.end()) return;
    task_ptr t = std::move(it->second);
    waiting_.erase(it);
    std::int64_t times[2] = {0, 0};
    if (h.length >= sizeof times) std::memcpy(times, payload, sizeof times);
    const auto skip = std::min<std::uint64_t>(h.length, sizeof times);
    t->engine = static_cast<int>(h.flags);
    t->started_us = times[0];
    t->completed_us = times[1];
    bytes result = take_buffer(h.length - skip);
    put_raw(result, payload + skip, h.length - skip);
    t->set_result(std::move(result));
    t->status.store(h.kind == record_kind::result ? task_status::done : task_status::failed);
  }

  // Checks the shipped predicates a task requires; throws unmet_dependency if one says no.
  void check_requirements(reader& in) {
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
  void run_task(const record_header& h, const char* payload) {
    if (depth_ == scratch_.size()) scratch_.emplace_back();
    bytes& rec = scratch_[depth_];
    rec.clear();
    ++depth_;
    const auto at = begin_record(rec, record_kind::result, h.task, h.handler);
    const std::uint32_t attempt = h.flags & attempt_bits;
    std::memcpy(rec.data() + at + offsetof(record_header, flags), &attempt, sizeof attempt);
    const std::int64_t started = now_us();
    put_raw(rec, &started, sizeof started);
    put_raw(rec, &started, sizeof started);  // completed, set below
    const auto times_end = rec.size();
    auto fail = [&](const std::string& type, const std::string& message) {
      rec.resize(times_end);
      const auto kind = record_kind::failure;
      std::memcpy(rec.data() + at + offsetof(record_header, kind), &kind, sizeof kind);
      encode(rec, type);
      encode(rec, message);
    };
    sigjmp_buf landing;
    sigjmp_buf* outer_landing = crash_landing;
    try {
      if (const int sig = sigsetjmp(landing, 0); sig != 0) {
        crash_landing = outer_landing;
        retire();
        const char* what = strsignal(sig);
        throw crashed("signal " + std::to_string(sig) + " (" + (what ? what : "?") + ") in task " +
                      std::to_string(h.task) + " (" + handler_name(h.handler) + ") on engine " +
                      std::to_string(rank_) + "; the engine retires");
      }
      crash_landing = &landing;
      reader in(payload, h.length);
      if (h.flags & has_requirements_flag) check_requirements(in);
      const handler_entry* e = find_handler(h.handler);
      if (!e) {
        throw error("engine " + std::to_string(rank_) + " has no function with id " +
                    handler_id_text(h.handler) +
                    ": the ranks do not run the same binary, or the id is corrupt");
      }
      e->invoke(in, rec);
      crash_landing = outer_landing;
    } catch (const crashed& c) {
      fail(failure::engine_crash, c.what());
    } catch (const run_stopped&) {
      crash_landing = outer_landing;
      fail("taskhub::run_ended", "the run ended while the task waited for tasks it submitted");
    } catch (const std::exception& ex) {
      crash_landing = outer_landing;
      fail(exception_type_name(ex), ex.what());
    } catch (...) {
      crash_landing = outer_landing;
      fail("unknown exception", "a value that is not a std::exception was thrown");
    }
    const std::int64_t completed = now_us();
    std::memcpy(rec.data() + at + sizeof(record_header) + sizeof started, &completed,
                sizeof completed);
    end_record(rec, at);
    --depth_;
    put_raw(out_, rec.data(), rec.size());
    if (is_retire_due_) {
      is_retire_due_ = false;
      std::fprintf(stderr, "taskhub: engine %d retires after a task crashed it\n", rank_);
      note(record_kind::retire);
    }
  }

  transport& t_;
  const int rank_;
  const MPI_Comm comm_;
  const std::vector<int> engines_;
  const std::vector<std::string> tags_;
  taskhub::hub hub_;
  std::unordered_map<std::string, store_entry> store_;
  std::unordered_map<std::uint64_t, task_ptr> waiting_;  // tasks our tasks submitted
  std::uint64_t submitted_count_ = 0;
  inbox queue_;
  bytes out_ = take_buffer(4096);
  std::size_t out_records_ = 0;
  std::chrono::steady_clock::time_point first_out_;
  backoff wait_;
  static constexpr std::size_t max_depth = 32;  // tasks run on top of waiting tasks, at most
  std::deque<bytes> scratch_;  // one record buffer per level of tasks waiting inside tasks
  std::size_t depth_ = 0;
  std::deque<incoming> deferred_;
  int exit_code_ = 0;
  bool is_stopping_ = false;
  bool is_retired_ = false, is_retire_due_ = false;
  crash_guard guard_;
};

thread_local engine_runtime* current = nullptr;

engine_runtime& here(const char* what) {
  if (!current) throw error(std::string(what) + " is only available inside a task on an engine");
  return *current;
}

// Built-in handlers of the engine-resident store. A value travels as its own encoding, so the
// client decodes a pulled value with the same codec it encoded a pushed one.
void store_put(reader& in, bytes&) {
  auto name = decode<std::string>(in);
  const auto n = in.remaining();
  const char* p = in.take(n);
  auto& e = store_assign(name);
  e.data.assign(p, p + n);
}

void store_get(reader& in, bytes& out) {
  auto name = decode<std::string>(in);
  const auto& e = store_lookup(name);
  put_raw(out, e.data.data(), e.data.size());
}

const std::uint64_t store_put_id = register_handler("taskhub::store_put", &store_put);
const std::uint64_t store_get_id = register_handler("taskhub::store_get", &store_get);

}  // namespace

std::uint64_t store_put_handler() { return store_put_id; }
std::uint64_t store_get_handler() { return store_get_id; }

store_entry& store_lookup(const std::string& name) {
  auto& e = here("taskhub::engine::get");
  auto it = e.store().find(name);
  if (it == e.store().end())
    throw error("engine " + std::to_string(e.rank()) + " has no value named '" + name + "'");
  return it->second;
}

store_entry& store_assign(const std::string& name) {
  auto& entry = here("taskhub::engine::put").store()[name];
  entry.cache.reset();
  return entry;
}

bool wait_on_engine(const std::function<bool()>& is_ready, deadline until) {
  if (!current) return false;
  current->serve_until(is_ready, until);
  return true;
}

std::vector<std::string> tags_from_environment() {
  std::vector<std::string> tags;
  if (const char* v = std::getenv("TASKHUB_ENGINE_TAGS")) {
    std::string s(v);
    std::size_t at = 0;
    while (at <= s.size()) {
      const auto comma = std::min(s.find(',', at), s.size());
      if (comma > at) tags.push_back(s.substr(at, comma - at));
      at = comma + 1;
    }
  }
  return tags;
}

int serve_engine(transport& t, int rank, MPI_Comm engines_comm, const std::vector<int>& engines,
                 const std::vector<std::string>& tags) {
  engine_runtime e(t, rank, engines_comm, engines, tags);
  current = &e;
  const int code = e.run();
  current = nullptr;
  return code;
}

}  // namespace taskhub::detail

namespace taskhub::engine {

int rank() { return detail::here("taskhub::engine::rank").rank(); }

MPI_Comm comm() {
  auto& e = detail::here("taskhub::engine::comm");
  if (e.comm() == MPI_COMM_NULL)
    throw error("taskhub::engine::comm has no communicator in single-process mode");
  return e.comm();
}

const std::vector<std::string>& tags() { return detail::here("taskhub::engine::tags").tags(); }

taskhub::hub& hub() { return detail::here("taskhub::engine::hub").hub(); }

}  // namespace taskhub::engine
