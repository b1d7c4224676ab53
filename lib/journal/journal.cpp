// SPDX-License-Identifier: MIT
// Part of taskhub.
// The task journal as an observer of the hub: what it records of each task, and when it writes.
#include "journal/journal.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "hdf5/error_text.hpp"
#include "hdf5/lock.hpp"
#include "journal/journal_file.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/error.hpp"
#include "taskhub/task_options.hpp"
#include "taskhub/task_record.hpp"
#include "core/voice.hpp"

namespace taskhub::detail {
namespace {

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

event_row event_of(std::uint32_t run, const task_data& t, event what, int engine) {
  event_row e{};
  e.run = run;
  e.id = t.id;
  e.time = now_seconds();
  e.state = what;
  e.engine = engine;
  e.attempt = t.hub.attempt;
  return e;
}

}  // namespace

journal::journal(journal_settings settings) : p_(std::make_unique<impl>()) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  hdf5::silence_errors();
  p_->settings = std::move(settings);
  p_->lock();
  try {
    if (p_->settings.is_resume) {
      p_->recover();
    } else {
      p_->create(p_->settings.path);
      p_->write_all();
      p_->start_swmr_write();
    }
    p_->log.open(outcome_log::path_of(p_->settings.path), p_->settings.is_syncing_log);
  } catch (const error&) {
    p_->close();
    throw;
  } catch (const std::runtime_error& e) {
    p_->close();
    p_->refuse(e.what());
  }
}

journal::~journal() {
  try {
    if (!p_->is_broken) {  // a failed write was reported when it failed
      flush();
      p_->log.remove();  // the file holds all of it
    }
  } catch (const std::exception& e) {
    say_error("%s\n", e.what());
  }
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  p_.reset();
}

void journal::started(const std::vector<int>& ranks, const std::vector<std::string>& hosts) {
  run_row r{};
  r.run = p_->run;
  r.started = now_seconds();
  r.engines = static_cast<std::uint32_t>(ranks.size());
  copy_text(r.host, this_host());
  copy_text(r.command, p_->settings.command);
  copy_text(r.build, p_->settings.build);
  copy_text(r.version, TASKHUB_VERSION);
  p_->runs.pending.push_back(r);
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    engine_row e{};
    e.run = p_->run;
    e.rank = ranks[i];
    copy_text(e.host, i < hosts.size() ? hosts[i] : std::string());
    p_->engines.pending.push_back(e);
  }
  flush();
}

const stored_outcome* journal::submitted(const task_data& t) {
  auto& name = p_->names[t.handler];
  if (name.hash == 0) {
    copy_text(name.row.function, handler_name(t.handler));
    const std::string function = text_of(name.row.function);  // as a later run reads it back
    name.hash = fnv1a(function.data(), function.size());
  }
  task_row r = name.row;
  const std::size_t header = sizeof(record_header);
  const std::string* key = t.options ? &t.options->journal_key() : nullptr;
  const std::uint64_t hash =
      key && !key->empty()        ? fnv1a(key->data(), key->size())
      : t.request.size() > header ? fnv1a(t.request.data() + header, t.request.size() - header)
                                  : fnv1a(nullptr, 0);
  r.run = p_->run;
  r.id = t.id;
  r.args_hash = hash;
  r.occurrence = p_->seen[{name.hash, hash, 0}]++;
  r.submitted = seconds(std::chrono::duration_cast<std::chrono::microseconds>(
                            t.submitted.time_since_epoch())
                            .count());
  r.target = t.target;
  r.origin = t.hub.origin;
  std::vector<std::uint64_t> parents;
  if (t.options) {
    copy_text(r.label, t.options->label());
    for (const auto* d : {&t.options->after(), &t.options->follow()})
      for (const auto id : d->ids())
        if (std::find(parents.begin(), parents.end(), id) == parents.end()) parents.push_back(id);
  }
  p_->tasks.pending.push_back(r);
  for (const auto id : parents) p_->parents.pending.push_back({r.run, r.id, id});
  p_->log.add(r, parents);
  // A result kept on an engine is not in the journal (only its size came to rank 0), and its
  // engine dropped it when the run ended: the task runs again.
  if (p_->stored.empty() || t.target >= 0 || (t.options && t.options->is_kept_remote()))
    return nullptr;
  const auto it = p_->stored.find({name.hash, hash, r.occurrence});
  if (it == p_->stored.end()) return nullptr;
  p_->serving[&t] = &it->second;
  return &it->second.outcome;
}

void journal::dispatched(const task_data& t) {
  p_->events.pending.push_back(event_of(p_->run, t, event::dispatched, t.engine));
}

void journal::retried(const task_data& t, int engine, const char* failure, std::size_t size) {
  p_->events.pending.push_back(event_of(p_->run, t, event::retried, engine));
  error_row e{};
  e.run = p_->run;
  e.id = t.id;
  try {
    reader in(failure, size);
    copy_text(e.type, decode<std::string>(in));
    copy_text(e.message, decode<std::string>(in));
  } catch (const decode_error&) {
    copy_text(e.type, "taskhub::decode_error");
  }
  p_->errors.pending.push_back(e);
}

void journal::finished(const task_data& t, taskhub::task_state s) {
  const bool is_restored = t.hub.is_restored;
  outcome_row o{};
  o.run = p_->run;
  o.id = t.id;
  std::string type, message;
  if (s != taskhub::task_state::done) {
    const auto e = failure_of(t);
    type = e.type_name();
    message = e.message();
  }
  o.state = schema::outcome_event(s, type == failure::run_ended);
  o.restored = is_restored ? 1 : 0;
  o.engine = t.engine;
  o.started = seconds(t.started_us);
  o.completed = seconds(t.completed_us);
  o.retries = static_cast<std::uint32_t>(t.hub.retries_used);
  if (is_restored) {
    const auto it = p_->serving.find(&t);
    if (it != p_->serving.end()) {
      o.result_offset = it->second->offset;
      o.result_size = o.state == event::done ? it->second->outcome.result.size() : 0;
      p_->serving.erase(it);
    }
  } else if (o.state == event::done && p_->settings.is_storing_results) {
    o.result_offset = p_->results.size();
    o.result_size = t.result_size;
    const auto* at = reinterpret_cast<const std::uint8_t*>(t.result_data);
    p_->results.pending.insert(p_->results.pending.end(), at, at + t.result_size);
  } else if (o.state == event::done) {
    o.result_offset = schema::no_result;
  }
  error_row e{};
  if (o.state != event::done) {
    e.run = p_->run;
    e.id = t.id;
    copy_text(e.type, type);
    copy_text(e.message, message);
    p_->errors.pending.push_back(e);
  }
  const event_row ended = event_of(p_->run, t, is_restored ? event::restored : o.state, t.engine);
  p_->events.pending.push_back(ended);
  p_->outcomes.pending.push_back(o);
  ++p_->pending_outcomes;
  // A restored outcome is in the file already; a new one goes to the log with its result.
  const bool has_bytes = o.state == event::done && o.result_offset != schema::no_result;
  if (!is_restored)
    p_->log.add(ended, o, o.state == event::done ? nullptr : &e, t.result_data,
                has_bytes ? t.result_size : 0);
}

void journal::record_outcomes() {
  try {
    if (p_->is_broken) throw std::runtime_error("an earlier write failed; nothing more is written");
    p_->log.write();
  } catch (const std::runtime_error& e) {
    p_->is_broken = true;
    p_->refuse(e.what());
  }
}

bool journal::is_flush_due() const {
  if (p_->pending_outcomes >= 1000) return true;
  if (p_->tasks.pending.empty() && p_->events.pending.empty()) return false;
  return std::chrono::steady_clock::now() - p_->last_flush >= p_->settings.flush_interval;
}

std::chrono::microseconds journal::until_flush() const {
  if (p_->tasks.pending.empty() && p_->events.pending.empty())
    return std::chrono::microseconds::max();
  const auto due = p_->last_flush + p_->settings.flush_interval;
  const auto now = std::chrono::steady_clock::now();
  if (due <= now) return std::chrono::microseconds(0);
  return std::chrono::duration_cast<std::chrono::microseconds>(due - now) + std::chrono::microseconds(1);
}

void journal::flush() {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  try {
    p_->write_all();
    p_->log.clear();
  } catch (const std::runtime_error& e) {
    p_->refuse(e.what());
  }
  p_->pending_outcomes = 0;
  p_->last_flush = std::chrono::steady_clock::now();
}


void journal::catch_up(bool is_final) {
  if (is_final || is_flush_due()) flush();
}

}  // namespace taskhub::detail
