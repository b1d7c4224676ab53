// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "hub_core.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "taskhub/detail/wire.hpp"
#include "taskhub/hub.hpp"

namespace taskhub::detail {
namespace {
constexpr std::size_t max_batch_records = 64;
constexpr std::size_t max_batch_bytes = 1u << 20;

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

// Publishes a task's outcome; returns whether a client may be blocked waiting for it.
bool finish(task_state& t, task_status status) {
  t.status.store(status);
  return t.is_awaited.load() || completions().any_waiters.load() > 0;
}

void notify_waiters() { completions().notify(); }

}  // namespace

void in_flight_table::add(task_ptr t) {
  const std::uint64_t id = t->id;
  if (window_.empty()) base_ = id;
  while (id < base_) {
    window_.emplace_front();
    --base_;
  }
  while (id >= base_ + window_.size()) window_.emplace_back();
  window_[id - base_] = std::move(t);
}

task_ptr in_flight_table::take(std::uint64_t id) {
  if (id < base_ || id >= base_ + window_.size()) return nullptr;
  task_ptr t = std::move(window_[id - base_]);
  while (!window_.empty() && !window_.front()) {
    window_.pop_front();
    ++base_;
  }
  return t;
}

hub_core::hub_core(transport& t, std::vector<int> engines, int hwm)
    : t_(t), engines_(std::move(engines)), hwm_(hwm) {
  int top = 0;
  for (int r : engines_) top = std::max(top, r);
  slot_of_rank_.assign(static_cast<std::size_t>(top) + 1, -1);
  for (std::size_t i = 0; i < engines_.size(); ++i) {
    slots_.push_back(engine_slot{engines_[i]});
    slot_of_rank_[static_cast<std::size_t>(engines_[i])] = static_cast<int>(i);
  }
}

task_ptr hub_core::make_task(std::uint64_t handler, int target, std::size_t payload) {
  auto t = std::make_shared<task_state>();
  t->id = next_id_.fetch_add(1, std::memory_order_relaxed);
  t->handler = handler;
  t->target = target;
  t->submitted = std::chrono::system_clock::now();
  t->request = take_buffer(sizeof(record_header) + payload);
  begin_record(t->request, record_kind::task, t->id, handler);
  return t;
}

void hub_core::submit(task_ptr task) {
  {
    std::lock_guard<std::mutex> lock(submitted_m_);
    submitted_.push_back(std::move(task));
  }
  t_.wake();
}

void hub_core::submit(std::vector<task_ptr>& tasks) {
  {
    std::lock_guard<std::mutex> lock(submitted_m_);
    if (submitted_.empty()) {
      submitted_.swap(tasks);
    } else {
      submitted_.insert(submitted_.end(), tasks.begin(), tasks.end());
    }
  }
  tasks.clear();
  t_.wake();
}

void hub_core::request_stop(int exit_code) {
  {
    std::lock_guard<std::mutex> lock(submitted_m_);
    exit_code_ = exit_code;
  }
  is_stop_requested_.store(true);
  t_.wake();
}

bool hub_core::take_submissions() {
  {
    std::lock_guard<std::mutex> lock(submitted_m_);
    if (submitted_.empty()) return false;
    incoming_.swap(submitted_);
  }
  for (auto& t : incoming_) {
    if (t->target >= 0) {
      slots_[static_cast<std::size_t>(slot_of_rank_[static_cast<std::size_t>(t->target)])]
          .batch.push_back(std::move(t));
    } else {
      ready_.push_back(std::move(t));
    }
  }
  incoming_.clear();
  return true;
}

// leastload: fewest outstanding tasks, the least recently used among equals.
hub_core::engine_slot* hub_core::least_loaded() {
  engine_slot* best = nullptr;
  for (auto& s : slots_) {
    const int load = s.outstanding + static_cast<int>(s.batch.size());
    if (hwm_ > 0 && load >= hwm_) continue;
    if (!best) {
      best = &s;
      continue;
    }
    const int best_load = best->outstanding + static_cast<int>(best->batch.size());
    if (load < best_load || (load == best_load && s.last_used < best->last_used)) best = &s;
  }
  return best;
}

bool hub_core::schedule() {
  bool did = false;
  while (!ready_.empty()) {
    engine_slot* s = least_loaded();
    if (!s) break;
    s->last_used = ++tick_;
    s->batch.push_back(std::move(ready_.front()));
    ready_.pop_front();
    did = true;
  }
  return did;
}

bool hub_core::send_batches() {
  bool did = false;
  for (auto& s : slots_) {
    std::size_t i = 0;
    while (i < s.batch.size()) {
      // One task alone goes from its own buffer; several share one message.
      bytes msg;
      std::size_t n = 0;
      if (i + 1 == s.batch.size() || s.batch[i]->request.size() >= max_batch_bytes / 2) {
        msg = std::move(s.batch[i]->request);
        n = 1;
      } else {
        std::size_t total = 0;
        for (std::size_t k = i; k < s.batch.size() && k < i + max_batch_records; ++k)
          total += s.batch[k]->request.size();
        msg = take_buffer(std::min(total, max_batch_bytes));
        while (i + n < s.batch.size() && n < max_batch_records &&
               msg.size() + s.batch[i + n]->request.size() <= max_batch_bytes) {
          auto& r = s.batch[i + n]->request;
          put_raw(msg, r.data(), r.size());
          recycle_buffer(std::move(r));
          ++n;
        }
        if (n == 0) {  // a single request larger than a batch
          msg = std::move(s.batch[i]->request);
          n = 1;
        }
      }
      for (std::size_t k = i; k < i + n; ++k) {
        auto& t = s.batch[k];
        running_.add(std::move(t));
      }
      s.outstanding += static_cast<int>(n);
      t_.send(s.rank, std::move(msg));
      i += n;
      did = true;
    }
    s.batch.clear();
  }
  return did;
}

void hub_core::complete(engine_slot& slot, const record_header& h, const char* payload,
                        const std::shared_ptr<const bytes>& batch) {
  task_ptr t = running_.take(h.task);
  if (!t) return;  // e.g. abandoned at stop
  --slot.outstanding;
  t->engine = slot.rank;
  std::int64_t times[2] = {0, 0};
  if (h.length >= sizeof times) {
    std::memcpy(times, payload, sizeof times);
    t->reply = batch;
    t->result_data = payload + sizeof times;
    t->result_size = h.length - sizeof times;
  }
  t->started_us = times[0];
  t->completed_us = times[1];
  is_notify_due_ |= finish(*t, h.kind == record_kind::result ? task_status::done : task_status::failed);
}

bool hub_core::receive() {
  bool did = false;
  int source = 0;
  bytes msg;
  while (t_.poll(source, msg)) {
    did = true;
    const int idx = source < static_cast<int>(slot_of_rank_.size())
                        ? slot_of_rank_[static_cast<std::size_t>(source)]
                        : -1;
    if (idx < 0) continue;
    auto& slot = slots_[static_cast<std::size_t>(idx)];
    // The futures of this batch's tasks read their results in place; the last one to go
    // recycles the buffer.
    auto batch = std::shared_ptr<const bytes>(new bytes(std::move(msg)), [](const bytes* b) {
      recycle_buffer(std::move(*const_cast<bytes*>(b)));
      delete b;
    });
    msg = bytes();
    try {
      record_reader r(batch->data(), batch->size());
      record_header h;
      const char* payload = nullptr;
      while (r.next(h, payload)) {
        if (h.kind == record_kind::stop_ack) {
          slot.is_stopped = true;
        } else if (h.kind == record_kind::result || h.kind == record_kind::failure) {
          complete(slot, h, payload, batch);
        }
      }
    } catch (const decode_error& e) {
      std::fprintf(stderr, "taskhub: dropped the rest of a malformed batch from engine %d: %s\n",
                   source, e.what());
    }
  }
  if (is_notify_due_) notify_waiters();
  is_notify_due_ = false;
  return did;
}

void hub_core::stop_engines() {
  int code;
  {
    std::lock_guard<std::mutex> lock(submitted_m_);
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

void hub_core::serve() {
  backoff wait;
  bool is_stopping = false;
  for (;;) {
    bool did = false;
    if (!is_stopping) {
      did |= take_submissions();
      did |= schedule();
      did |= send_batches();
    }
    did |= receive();
    const bool is_sending = t_.progress();
    if (!is_stopping && is_stop_requested_.load()) {
      is_stopping = true;
      stop_engines();
      did = true;
    }
    if (is_stopping) {
      bool all_stopped = true;
      for (const auto& s : slots_) all_stopped = all_stopped && s.is_stopped;
      if (all_stopped && !is_sending) break;
    }
    if (did) {
      wait.busy();
    } else {
      wait.idle(t_);
    }
  }
  // Tasks still unfinished when the client returned fail, so nothing waits on them forever.
  auto abandon = [](task_state& t) {
    t.engine = -1;
    bytes why;
    encode(why, std::string("taskhub::error"));
    encode(why, std::string("the run ended before the task finished"));
    t.set_result(std::move(why));
    finish(t, task_status::failed);
  };
  running_.for_each(abandon);
  for (auto& t : ready_) abandon(*t);
  notify_waiters();
  running_.clear();
  ready_.clear();
}

// The entry points of detail/runtime.hpp.

task_ptr make_task(hub_core& hub, std::uint64_t handler, int target, std::size_t payload) {
  return hub.make_task(handler, target, payload);
}

void submit(hub_core& hub, task_ptr task) { hub.submit(std::move(task)); }

void submit(hub_core& hub, std::vector<task_ptr>& tasks) { hub.submit(tasks); }

const std::vector<int>& engine_ranks(const hub_core& hub) { return hub.engines(); }

bool wait_ready(const task_state& task, deadline until) {
  if (task.is_ready()) return true;
  auto is_ready = [&] { return task.is_ready(); };
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

namespace taskhub {

int hub::checked(int engine) const {
  for (int r : engines())
    if (r == engine) return engine;
  throw error("there is no engine of rank " + std::to_string(engine) + " (engines are ranks " +
              std::to_string(engines().front()) + ".." + std::to_string(engines().back()) + ")");
}

}  // namespace taskhub
