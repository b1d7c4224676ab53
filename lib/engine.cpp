// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "engine.hpp"

#include <chrono>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>

#include "registry.hpp"
#include "taskhub/detail/submit.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/engine.hpp"

namespace taskhub::detail {
namespace {

struct engine_context {
  int rank;
  MPI_Comm comm;
  std::unordered_map<std::string, store_entry> store;
};
thread_local engine_context* current = nullptr;

engine_context& here(const char* what) {
  if (!current) throw error(std::string(what) + " is only available inside a task on an engine");
  return *current;
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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

// Runs one task record, appending a result or failure record to `out`.
void run_task(const record_header& h, const char* payload, bytes& out) {
  const auto at = begin_record(out, record_kind::result, h.task, h.handler);
  const std::int64_t started = now_us();
  put_raw(out, &started, sizeof started);
  put_raw(out, &started, sizeof started);  // completed, set below
  const auto times_end = out.size();
  auto fail = [&](const std::string& type, const std::string& message) {
    out.resize(times_end);
    const auto kind = record_kind::failure;
    std::memcpy(out.data() + at + offsetof(record_header, kind), &kind, sizeof kind);
    encode(out, type);
    encode(out, message);
  };
  try {
    const handler_entry* e = find_handler(h.handler);
    if (!e) {
      throw error("engine " + std::to_string(current->rank) + " has no function with id " +
                  handler_name(h.handler).substr(17) +
                  ": the ranks do not run the same binary, or the id is corrupt");
    }
    reader in(payload, h.length);
    e->invoke(in, out);
  } catch (const std::exception& ex) {
    fail(exception_type_name(ex), ex.what());
  } catch (...) {
    fail("unknown exception", "a value that is not a std::exception was thrown");
  }
  const std::int64_t completed = now_us();
  std::memcpy(out.data() + at + sizeof(record_header) + sizeof started, &completed,
              sizeof completed);
  end_record(out, at);
}

// Records waiting to run: the batches received, and a cursor in the oldest.
class inbox {
 public:
  void add(bytes batch) {
    record_reader r(batch.data(), batch.size());  // validates the framing before anything runs
    record_header h;
    const char* p;
    while (r.next(h, p)) ++records_;
    if (!batch.empty()) batches_.push_back(std::move(batch));
  }
  bool next(record_header& h, const char*& payload) {
    while (!batches_.empty()) {
      auto& b = batches_.front();
      if (cursor_ < b.size()) {
        std::memcpy(&h, b.data() + cursor_, sizeof h);
        payload = b.data() + cursor_ + sizeof h;
        cursor_ += sizeof h + h.length;
        --records_;
        return true;
      }
      recycle_buffer(std::move(batches_.front()));
      batches_.pop_front();
      cursor_ = 0;
    }
    return false;
  }
  std::size_t size() const { return records_; }

 private:
  std::deque<bytes> batches_;
  std::size_t cursor_ = 0;
  std::size_t records_ = 0;
};

}  // namespace

std::uint64_t store_put_handler() { return store_put_id; }
std::uint64_t store_get_handler() { return store_get_id; }

store_entry& store_lookup(const std::string& name) {
  auto& ctx = here("taskhub::engine::get");
  auto it = ctx.store.find(name);
  if (it == ctx.store.end())
    throw error("engine " + std::to_string(ctx.rank) + " has no value named '" + name + "'");
  return it->second;
}

store_entry& store_assign(const std::string& name) {
  auto& e = here("taskhub::engine::put").store[name];
  e.cache.reset();
  return e;
}

int serve_engine(transport& t, int rank, MPI_Comm engines) {
  engine_context ctx{rank, engines, {}};
  current = &ctx;
  inbox queue;
  bytes out = take_buffer(4096);
  std::size_t out_records = 0;
  auto first_out = std::chrono::steady_clock::now();
  backoff wait;
  auto flush = [&] {
    if (out.empty()) return;  // nothing but a fresh buffer
    t.send(0, std::move(out));
    out = take_buffer(4096);
    out_records = 0;
  };
  int exit_code = 0;
  bool is_stopping = false;
  while (!is_stopping) {
    int source = 0;
    bytes msg;
    while (t.poll(source, msg)) queue.add(std::move(msg));
    record_header h;
    const char* payload = nullptr;
    if (!queue.next(h, payload)) {
      flush();
      t.progress();
      wait.idle(t);
      continue;
    }
    wait.busy();
    if (h.kind == record_kind::stop) {
      if (h.length >= sizeof exit_code) std::memcpy(&exit_code, payload, sizeof exit_code);
      is_stopping = true;
      break;
    }
    if (out_records++ == 0) first_out = std::chrono::steady_clock::now();
    run_task(h, payload, out);
    // Send results once the known work is half done, so the hub can refill before we run dry.
    if (queue.size() == 0 || out_records >= queue.size() || out.size() > (1u << 16) ||
        std::chrono::steady_clock::now() - first_out > std::chrono::microseconds(200)) {
      flush();
    }
  }
  flush();
  bytes ack;
  end_record(ack, begin_record(ack, record_kind::stop_ack, 0, 0));
  t.send(0, std::move(ack));
  while (t.progress()) std::this_thread::sleep_for(std::chrono::microseconds(50));
  current = nullptr;
  return exit_code;
}

}  // namespace taskhub::detail

namespace taskhub::engine {

int rank() { return detail::here("taskhub::engine::rank").rank; }

MPI_Comm comm() {
  auto& ctx = detail::here("taskhub::engine::comm");
  if (ctx.comm == MPI_COMM_NULL)
    throw error("taskhub::engine::comm has no communicator in single-process mode");
  return ctx.comm;
}

}  // namespace taskhub::engine
