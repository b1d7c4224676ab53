// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's loop: take submissions, run timers, schedule, send, receive; and the client's side.
#include "hub/hub_core.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <future>

#include "core/backoff.hpp"
#include "hub/dispatch.hpp"
#include "hub/object_holdings.hpp"
#include "transport/tree_transport.hpp"
#include "taskhub/task_options.hpp"
#include "core/voice.hpp"
#include "core/ending.hpp"

namespace taskhub::detail {
namespace {

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

// The hub thread takes a pass of its own after this many rests while clients help.
constexpr int most_rests = 2;

std::vector<long> pids_of(const std::vector<hub_core::config::relay>& relays) {
  std::vector<long> pids;
  for (const auto& r : relays) pids.push_back(r.pid);
  return pids;
}

// How the hub gets objects to its engines: through the sub-hub that leads to an engine; as a
// mapping of one copy to the engines of its own node that can map it.
object_relay object_relay_of(transport& t, const std::vector<int>& engines,
                             const hub_core::config& cfg) {
  std::size_t ranks = 0;
  for (int r : engines) ranks = std::max(ranks, static_cast<std::size_t>(r) + 1);
  std::vector<int> via(ranks, -1);
  std::vector<bool> is_near(ranks, false);
  for (std::size_t i = 0; i < engines.size(); ++i) {
    const auto r = static_cast<std::size_t>(engines[i]);
    if (i < cfg.groups.size()) via[r] = cfg.groups[i];
    is_near[r] = via[r] < 0 && i < cfg.maps_node_objects.size() && cfg.maps_node_objects[i];
  }
  return object_relay(std::move(via), std::move(is_near), dynamic_cast<tree_transport*>(&t));
}

// "a", "a and b", "a, b and c".
std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return out;
}

}  // namespace

hub_core::hub_core(transport& t, std::vector<int> engines, config cfg)
    : t_(t),
      engines_(std::move(engines)),
      flow_(t, engines_,
            {cfg.hwm, std::move(cfg.scheme), std::move(cfg.tags), cfg.groups,
             cfg.policy, cfg.is_stealing, cfg.observer, cfg.retain_bytes, this,
             cfg.is_local_first, cfg.hosts}),
      sharing_(t, [this] { return !is_stopping_ && pass(false); }),
      watchdog_([&] {
        cfg.watch.hosts = cfg.hosts;
        return std::move(cfg.watch);
      }()),
      deaths_(cfg.pids),
      hosts_(cfg.hosts),
      pids_(cfg.pids),
      relays_(cfg.relays),
      relay_deaths_(pids_of(cfg.relays)),
      objects_(object_relay_of(t, engines_, cfg)) {
  flow_.observer().started(engines_, cfg.hosts);
}

hub_core::~hub_core() {
  submissions_.fail_all();
  completions().notify();
}

// ---- client side ----

task_ptr hub_core::make_task(std::uint64_t handler, int target, std::size_t payload) {
  auto t = new_task(next_id_.fetch_add(1, std::memory_order_relaxed), handler, target, payload);
  t->core = this;
  return t;
}

void hub_core::submit(task_ptr task) {
  submissions_.push(std::move(task));
  sharing_.announce_submission();
}

void hub_core::submit(std::vector<task_ptr>& tasks) {
  if (tasks.empty()) return;
  submissions_.push(tasks);
  sharing_.announce_submission();
}

void hub_core::request_stop(int exit_code) {
  {
    std::lock_guard<std::mutex> lock(controls_m_);
    exit_code_ = exit_code;
  }
  is_stop_requested_.store(true);
  sharing_.wake_hub_thread();
}

void hub_core::on_hub_thread(const std::function<void()>& fn) {
  on_hub_thread(fn, std::chrono::milliseconds::max());
}

bool hub_core::on_hub_thread(std::function<void()> fn, std::chrono::milliseconds within) {
  auto done = std::make_shared<std::promise<void>>();
  auto result = done->get_future();
  {
    std::lock_guard<std::mutex> lock(controls_m_);
    if (is_stop_requested_.load()) throw error("the hub has stopped");
    controls_.push_back([done, fn = std::move(fn)] {
      try {
        fn();
        done->set_value();
      } catch (...) {
        done->set_exception(std::current_exception());
      }
    });
    has_controls_.store(true);
  }
  sharing_.wake_hub_thread();
  if (within != std::chrono::milliseconds::max() &&
      result.wait_for(within) != std::future_status::ready)
    return false;
  result.get();
  return true;
}

bool hub_core::help(const std::function<bool()>& is_ready, deadline until) {
  return sharing_.help(is_ready, until);
}

std::vector<task_ptr> hub_core::resubmit(const std::vector<std::uint64_t>& ids) {
  std::vector<task_ptr> fresh;
  for (auto id : ids) {
    auto old = flow_.table().find(id);
    const std::string cannot = "cannot resubmit task " + std::to_string(id);
    if (!old) throw error(cannot + ": no such task");
    if (old->hub.is_request_dropped)
      throw error(cannot + ": its arguments were released to bound memory (TASKHUB_RETAIN_MB)");
    if (old->hub.origin != 0) throw error(cannot + ": a task submitted it");
    const std::size_t args = old->request.size() - sizeof(record_header);
    auto t = make_task(old->handler, old->target, args);
    set_flags(t->request, 0, flags_of(old->request.data()) & option_flags);
    put_raw(t->request, old->request.data() + sizeof(record_header), args);
    end_record(t->request, 0);
    if (old->options) {
      auto opts = std::make_shared<task_options>(*old->options);
      opts->after(dependency()).follow(dependency());
      t->options = std::move(opts);
    }
    fresh.push_back(t);
    flow_.accept(t);
  }
  flow_.resolve_dependents();
  return fresh;
}

taskhub::traffic_report hub_core::traffic() const {
  taskhub::traffic_report r;
  r.hub = t_.counted();
  const auto& by_peer = t_.counted_by_peer();
  for (int e : engines_)
    r.engines[e] = static_cast<std::size_t>(e) < by_peer.size() ? by_peer[static_cast<std::size_t>(e)]
                                                                : taskhub::traffic();
  r.results_carried = flow_.inputs().carried;
  r.results_forwarded = flow_.inputs().forwarded;
  r.results_local = flow_.inputs().local;
  const auto& wire = t_.counted_on_wire_by_peer();
  for (std::size_t rank = 0; rank < wire.size(); ++rank)
    if (wire[rank].messages_sent || wire[rank].messages_received)
      r.peers[static_cast<int>(rank)] = wire[rank];
  r.object_bytes_sent = objects_.bytes_sent();
  r.object_bytes_on_node = objects_.bytes_on_node();
  r.object_bytes_saved = objects_.bytes_saved();
  return r;
}

// ---- the loop ----

bool hub_core::take_submissions(bool with_controls) {
  bool did = false;
  if (with_controls && has_controls_.load()) {
    std::lock_guard<std::mutex> lock(controls_m_);
    running_controls_.swap(controls_);
    has_controls_.store(false);
    did = true;
  }
  if (submissions_.is_empty()) return did;
  submissions_.take_all([this](task_ptr t) { flow_.accept(std::move(t)); });
  flow_.resolve_dependents();
  return true;
}

// Queries and commands from clients run once the pass has scheduled and sent what it could, so
// they see the table as the engines do.
void hub_core::run_controls() {
  for (auto& fn : running_controls_) fn();
  running_controls_.clear();
}

bool hub_core::receive() {
  bool did = false;
  int source = 0;
  bytes msg;
  while (t_.poll(source, msg)) {
    did = true;
    engine_slot* slot = flow_.engines().slot_of(source);
    if (!slot || slot->is_gone) continue;
    // The futures of this batch's tasks read their results in place; the last one to go
    // recycles the buffer.
    auto batch = shared_batch(std::move(msg));
    msg = bytes();
    try {
      record_reader r(batch->data(), batch->size());
      record_header h;
      const char* payload = nullptr;
      while (!slot->is_gone && r.next(h, payload)) {
        switch (h.kind) {
          case record_kind::submit:
            try {
              flow_.accept_remote(source, payload, h.length);
            } catch (const std::exception& e) {  // only this task fails
              flow_.refuse_remote(source, h, e.what());
            }
            break;
          case record_kind::result:
          case record_kind::failure:
            // Told to end: an engine's failure may be the launcher killing its task.
            if (!is_ending()) flow_.complete(*slot, h, payload, batch);
            break;
          case record_kind::stop_ack: slot->is_stopped = true; break;
          case record_kind::blocked: flow_.waits_inside(*slot, h, true); break;
          case record_kind::unblocked: flow_.waits_inside(*slot, h, false); break;
          case record_kind::retire: retire(*slot); break;
          case record_kind::started: flow_.started(*slot, h); break;
          case record_kind::dropped: flow_.dropped(*slot, h); break;
          case record_kind::recall: flow_.recall_answered(*slot); break;
          case record_kind::died: {  // told by the sub-hub that relays to it
            std::int64_t pid = 0;
            if (h.length >= sizeof pid) std::memcpy(&pid, payload, sizeof pid);
            engine_died(*slot, static_cast<long>(pid));
            break;
          }
          default: break;
        }
      }
      if (!slot->is_gone) flow_.promote(*slot);
    } catch (const std::exception& e) {
      say_info("dropped the rest of a malformed batch from engine %d: %s\n",
                   source, e.what());
    }
  }
  flow_.resolve_dependents();
  flow_.publish();
  return did;
}

// A task crashed the engine of `slot`: the flow moves its tasks, and clients see it retired.
void hub_core::retire(engine_slot& slot) {
  if (slot.is_retired) return;
  flow_.retire(slot);
  drop_from_live(slot.rank);
}

// The engine of `slot` is gone (`who` says how): nothing more goes there or is read from there,
// and what it held runs elsewhere. Returns the tasks it was running.
std::vector<std::string> hub_core::lose_engine(engine_slot& slot, const std::string& who) {
  const bool was_retired = slot.is_retired;
  slot.is_gone = true;
  slot.is_stopped = true;  // no answer to the stop will come
  t_.forget(slot.rank);
  auto running = flow_.engine_died(slot, who);
  if (!was_retired) drop_from_live(slot.rank);
  return running;
}

// The process of the engine of `slot` (process `pid`; 0: as watched by the hub) ended and the
// launcher let the others run: the run goes on without it.
void hub_core::engine_died(engine_slot& slot, long pid) {
  if (slot.is_gone || slot.is_stopped) return;  // an engine told to stop ends as it should
  const auto at = static_cast<std::size_t>(&slot - flow_.engines().slots().data());
  if (pid == 0 && at < pids_.size()) pid = pids_[at];
  const std::string who = "engine " + std::to_string(slot.rank) + " on " +
                          (at < hosts_.size() ? hosts_[at] : std::string("?")) + " (process " +
                          std::to_string(pid) + ")";
  const auto running = lose_engine(slot, who);
  std::string doing = running.empty() ? std::string("while idle") : "while running ";
  for (std::size_t i = 0; i < running.size(); ++i) doing += (i ? ", " : "") + running[i];
  const auto left = live_.load()->size();
  say_error("%s died %s; the run goes on with %zu engine%s, and what it held runs elsewhere\n",
            who.c_str(), doing.c_str(), left, left == 1 ? "" : "s");
  flow_.publish();
}

// A sub-hub's process ended and the launcher let the others run: the engines it relayed to are
// lost to the run (they watch it, and end), which goes on without them.
void hub_core::sub_hub_died(const config::relay& relay) {
  const std::string who = "sub-hub " + std::to_string(relay.rank) + " on " + relay.host +
                          " (process " + std::to_string(relay.pid) + ")";
  t_.forget(relay.rank);
  std::vector<std::string> lost, running;
  for (int rank : relay.engines) {
    engine_slot* slot = flow_.engines().slot_of(rank);
    if (!slot || slot->is_gone || slot->is_stopped) continue;
    lost.push_back(std::to_string(rank));
    for (auto& r : lose_engine(*slot, "engine " + std::to_string(rank) + "'s " + who))
      running.push_back(std::move(r));
  }
  const auto left = live_.load()->size();
  if (lost.empty()) {
    say_error("%s died; no engine behind it was left to lose\n", who.c_str());
  } else {
    say_error("%s died; %s %s behind it %s lost%s; the run goes on with %zu engine%s, and what "
              "they held runs elsewhere\n",
              who.c_str(), lost.size() == 1 ? "engine" : "engines", listed(lost).c_str(),
              lost.size() == 1 ? "is" : "are",
              running.empty() ? " while idle" : (", with " + listed(running) + " running").c_str(),
              left, left == 1 ? "" : "s");
  }
  flow_.publish();
}

void hub_core::drop_from_live(int rank) {
  auto live = *live_.load();
  live.erase(std::remove(live.begin(), live.end(), rank), live.end());
  live_lists_.push_back(std::move(live));  // earlier lists stay valid for clients that hold them
  live_.store(&live_lists_.back());
}

void hub_core::stop_engines() {
  int code;
  {
    std::lock_guard<std::mutex> lock(controls_m_);
    code = exit_code_;
  }
  for (auto& s : flow_.engines().slots()) {
    bytes msg;
    const auto at = begin_record(msg, record_kind::stop, 0, 0);
    put_raw(msg, &code, sizeof code);
    end_record(msg, at);
    t_.send(s.rank, std::move(msg));
  }
}

// One pass over everything the hub does. Client threads that help skip what only the hub thread
// does: controls and the observer's work.
bool hub_core::pass(bool is_hub_thread) {
  bool did = false;
  if (!is_stopping_) {
    did |= take_submissions(is_hub_thread);
    flow_.check_timers();
    did |= flow_.schedule();
    if (send_batches(t_, flow_.engines().slots(), objects_)) {
      for (auto& s : flow_.engines().slots()) flow_.promote(s);
      did = true;
    }
    flow_.publish();  // what submissions and timers finished, before controls may ask of it
    if (is_hub_thread) run_controls();
  }
  did |= receive();
  if (is_hub_thread) {
    for (const std::size_t i : relay_deaths_.check()) sub_hub_died(relays_[i]);
    for (const std::size_t i : deaths_.check()) engine_died(flow_.engines().slots()[i], 0);
    flow_.observer().catch_up(false);
    watchdog_.check(flow_);
  }
  is_sending_ = t_.progress();
  return did;
}

void hub_core::serve() {
  if (t_.is_shareable()) set_process_helper(this);
  auto should_rest = [this] {
    return sharing_.should_rest(!submissions_.is_empty(),
                                is_stop_requested_.load() || has_controls_.load());
  };
  backoff wait;
  int rests = 0;
  for (;;) {
    if (rests < most_rests && should_rest()) {
      sharing_.rest(should_rest);
      ++rests;
      wait.busy();
      continue;
    }
    auto lock = sharing_.begin_hub_pass();
    if (!lock.owns_lock()) {
      std::this_thread::yield();
      continue;
    }
    rests = 0;
    bool did = sharing_.in_pass([this] { return pass(true); });
    if (!is_stopping_ && is_stop_requested_.load()) {
      is_stopping_ = true;
      flow_.stop();
      stop_engines();
      did = true;
    }
    if (is_stopping_) {
      bool all_stopped = true;
      for (const auto& s : flow_.engines().slots()) all_stopped = all_stopped && s.is_stopped;
      if (all_stopped && !is_sending_) break;
    }
    // While sends wait (a full lane, MPI in flight), nap no longer than a yield.
    const auto next = did || is_sending_ ? std::chrono::microseconds(0)
                                         : std::min({flow_.until_due(), watchdog_.until_due(),
                                                     deaths_.until_due(),
                                                     relay_deaths_.until_due()});
    lock.unlock();
    if (did) {
      wait.busy();
    } else {
      wait.idle(t_, next);
    }
  }
  {
    auto lock = sharing_.lock();
    take_submissions(true);  // what came in since the last pass fails below instead of vanishing
    flow_.abandon_all();
    flow_.observer().catch_up(true);
    run_controls();
  }
  set_process_helper(nullptr);  // no client thread runs a pass from here on
  // Controls queued after the stop get an answer too.
  std::lock_guard<std::mutex> lock(controls_m_);
  for (auto& fn : controls_) fn();
  controls_.clear();
}

}  // namespace taskhub::detail
