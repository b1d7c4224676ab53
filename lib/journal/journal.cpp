// SPDX-License-Identifier: MIT
// Part of taskhub.
// The task journal: every task of a run in an HDF5 file, and what a resumed run reads back.
#include "journal/journal.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>

#include "hdf5/attribute.hpp"
#include "hdf5/error_text.hpp"
#include "hdf5/file.hpp"
#include "hdf5/handle.hpp"
#include "hdf5/lock.hpp"
#include "hdf5/table.hpp"
#include "journal/schema.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/error.hpp"
#include "taskhub/task_options.hpp"
#include "taskhub/task_record.hpp"

namespace taskhub::detail {

namespace {

using schema::copy_text;
using schema::engine_row;
using schema::error_row;
using schema::event;
using schema::event_row;
using schema::outcome_row;
using schema::run_row;
using schema::task_row;
using schema::text_of;

double seconds(std::int64_t us) { return static_cast<double>(us) / 1e6; }
std::int64_t micros(double s) { return static_cast<std::int64_t>(s * 1e6 + 0.5); }
double now_seconds() {
  return seconds(std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count());
}

std::uint64_t fnv1a(const char* data, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// A table whose rows wait in `pending` until write().
template <class Row>
class buffered_table {
 public:
  buffered_table(const char* name, hsize_t chunk)
      : table_(schema::table_of<Row>(name)), chunk_(chunk) {}

  void create(hid_t file) { table_.create(file, chunk_); }
  std::vector<Row> read(hid_t file) const { return table_.read(file); }
  hsize_t size() const { return table_.size() + pending.size(); }
  void write() {
    table_.append(pending);
    pending.clear();
  }

  std::vector<Row> pending;

 private:
  hdf5::table<Row> table_;
  hsize_t chunk_;
};

void write_attributes(hid_t file) {
  hdf5::write_text_attribute(file, "format", schema::format_name);
  hdf5::write_attribute(file, "version", H5T_NATIVE_UINT32, &schema::format_version);
}

// Throws unless `file` says it is a journal of this version.
void check_attributes(hid_t file) {
  if (hdf5::read_text_attribute(file, "format") != std::string(schema::format_name))
    throw std::runtime_error("it is not a taskhub journal");
  std::uint32_t version = 0;
  hdf5::read_attribute(file, "version", H5T_NATIVE_UINT32, &version);
  if (version != schema::format_version)
    throw std::runtime_error("it has journal version " + std::to_string(version) +
                             ", this taskhub reads version " +
                             std::to_string(schema::format_version));
}

event_row event_of(std::uint32_t run, const task_state& t, event what, int engine) {
  event_row e{};
  e.run = run;
  e.id = t.id;
  e.time = now_seconds();
  e.state = what;
  e.engine = engine;
  e.attempt = t.hub.attempt;
  return e;
}

// What a resumed run matches tasks by: the hash of the function's name as the journal keeps it,
// the hash of the arguments (or of the journal key), and the occurrence.
struct task_key {
  std::uint64_t function = 0, args = 0;
  std::uint32_t occurrence = 0;
  bool operator==(const task_key& o) const {
    return function == o.function && args == o.args && occurrence == o.occurrence;
  }
};
struct task_key_hash {
  std::size_t operator()(const task_key& k) const {
    return static_cast<std::size_t>(k.function ^ (k.args * 0x9E3779B97F4A7C15ull) ^ k.occurrence);
  }
};

}  // namespace

struct journal::impl {
  journal_settings settings;
  int lock_fd = -1;  // PATH.lock, held while this run writes PATH
  hdf5::handle file;
  std::uint32_t run = 1;
  buffered_table<run_row> runs{schema::dataset::runs, 64};
  buffered_table<engine_row> engines{schema::dataset::engines, 256};
  buffered_table<task_row> tasks{schema::dataset::tasks, 1024};
  buffered_table<event_row> events{schema::dataset::events, 2048};
  buffered_table<outcome_row> outcomes{schema::dataset::outcomes, 1024};
  buffered_table<error_row> errors{schema::dataset::errors, 256};
  buffered_table<std::uint8_t> results{schema::dataset::results, 1 << 16};

  struct served {
    stored_outcome outcome;
    std::uint64_t offset = 0;  // of the result in /results
  };
  std::unordered_map<task_key, served, task_key_hash> stored;
  std::unordered_map<task_key, std::uint32_t, task_key_hash> seen;  // occurrence 0: per function and arguments
  struct function_name {
    task_row row;  // with the name as the journal keeps it
    std::uint64_t hash = 0;
  };
  std::unordered_map<std::uint64_t, function_name> names;  // by handler id
  std::unordered_map<const task_state*, const served*> serving;  // restored, until finished
  std::size_t pending_outcomes = 0;
  std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();

  [[noreturn]] void refuse(const std::string& what) const {
    throw error("journal " + settings.path + ": " + what);
  }

  // Two runs writing one journal would corrupt it; the lock dies with its process, even killed.
  void lock() {
    const std::string name = settings.path + ".lock";
    lock_fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) refuse("cannot create " + name + ": " + std::strerror(errno));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
      refuse("another running program writes it (it holds " + name + ")");
  }
  ~impl() {
    file = hdf5::handle();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  void create(const std::string& path) {
    ::unlink(path.c_str());
    file = hdf5::create_file(path, true);
    if (!file) refuse("cannot create the file (" + hdf5::error_text() + ")");
    write_attributes(file.get());
    runs.create(file.get());
    engines.create(file.get());
    tasks.create(file.get());
    events.create(file.get());
    outcomes.create(file.get());
    errors.create(file.get());
    results.create(file.get());
  }

  // Writes every table, then flushes: in SWMR mode the file on disk is whole afterwards.
  void write_all() {
    results.write();
    errors.write();
    tasks.write();
    events.write();
    engines.write();
    runs.write();
    outcomes.write();
    if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0)
      throw std::runtime_error("flush: " + hdf5::error_text());
  }

  void recover();
};

// Reads the journal at settings.path, keeps what is whole, and writes it into a fresh file that
// replaces the old one; fills `stored` with the outcomes later tasks may be served from.
void journal::impl::recover() {
  const std::string& path = settings.path;
  if (::access(path.c_str(), F_OK) != 0) {
    std::fprintf(stderr, "taskhub: journal %s does not exist yet: starting a new one\n", path.c_str());
    create(path);
    return;
  }
  std::vector<run_row> old_runs;
  std::vector<engine_row> old_engines;
  std::vector<task_row> old_tasks;
  std::vector<event_row> old_events;
  std::vector<outcome_row> old_outcomes;
  std::vector<error_row> old_errors;
  std::vector<std::uint8_t> old_results;
  {
    const hdf5::handle old = hdf5::open_to_read(path);
    if (!old) refuse("cannot be opened as HDF5 (" + hdf5::error_text() + "); it may be damaged");
    try {
      check_attributes(old.get());
      old_runs = runs.read(old.get());
      old_engines = engines.read(old.get());
      old_tasks = tasks.read(old.get());
      old_events = events.read(old.get());
      old_outcomes = outcomes.read(old.get());
      old_errors = errors.read(old.get());
      old_results = results.read(old.get());
    } catch (const std::runtime_error& e) {
      refuse(std::string(e.what()) + "; refusing to resume from it");
    }
  }
  for (const auto& r : old_runs) run = std::max(run, r.run + 1);
  for (const auto& t : old_tasks) run = std::max(run, t.run + 1);

  // Keep outcomes that are whole: their task is known, their result or error is on disk.
  std::map<std::pair<std::uint32_t, std::uint64_t>, const task_row*> task_of;
  for (const auto& t : old_tasks) task_of[{t.run, t.id}] = &t;
  std::map<std::pair<std::uint32_t, std::uint64_t>, const error_row*> error_of;
  for (const auto& e : old_errors) error_of[{e.run, e.id}] = &e;
  std::vector<outcome_row> kept;
  std::size_t dropped = 0;
  for (const auto& o : old_outcomes) {
    const auto it = task_of.find({o.run, o.id});
    const bool is_kept_result = o.result_offset != schema::no_result;
    const bool is_whole = it != task_of.end() &&
                          (!is_kept_result || o.result_offset + o.result_size <= old_results.size()) &&
                          (o.state != event::failed || error_of.count({o.run, o.id}));
    if (!is_whole) {
      ++dropped;
      continue;
    }
    kept.push_back(o);
    if (o.state != event::done && (o.state != event::failed || settings.is_retry_failed)) continue;
    if (o.state == event::done && !is_kept_result) continue;  // its result was not kept: it runs
    const task_row& t = *it->second;
    served s;
    s.outcome.is_done = o.state == event::done;
    s.outcome.engine = o.engine;
    s.outcome.started_us = micros(o.started);
    s.outcome.completed_us = micros(o.completed);
    s.offset = o.result_offset;
    if (s.outcome.is_done) {
      const char* at = reinterpret_cast<const char*>(old_results.data()) + o.result_offset;
      put_raw(s.outcome.result, at, o.result_size);
    } else {
      const error_row& e = *error_of[{o.run, o.id}];
      encode(s.outcome.result, text_of(e.type));
      encode(s.outcome.result, text_of(e.message));
    }
    const std::string name = text_of(t.function);
    stored[{fnv1a(name.data(), name.size()), t.args_hash, t.occurrence}] = std::move(s);
  }
  if (dropped > 0)
    std::fprintf(stderr,
                 "taskhub: journal %s: %zu outcome(s) written as the earlier run was killed are "
                 "incomplete; those tasks run again\n",
                 path.c_str(), dropped);

  // The fresh file: written beside the old one, then renamed over it.
  const std::string fresh = path + ".resume";
  create(fresh);
  runs.pending = std::move(old_runs);
  engines.pending = std::move(old_engines);
  tasks.pending = std::move(old_tasks);
  events.pending = std::move(old_events);
  outcomes.pending = std::move(kept);
  errors.pending = std::move(old_errors);
  results.pending = std::move(old_results);
  try {
    write_all();
  } catch (const std::runtime_error& e) {
    refuse(std::string("cannot write ") + fresh + ": " + e.what());
  }
  if (std::rename(fresh.c_str(), path.c_str()) != 0)
    refuse("cannot replace it with " + fresh + ": " + std::strerror(errno));
}

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
    }
  } catch (const error&) {
    throw;
  } catch (const std::runtime_error& e) {
    p_->refuse(e.what());
  }
  if (H5Fstart_swmr_write(p_->file.get()) < 0)
    p_->refuse("cannot start single-writer mode (" + hdf5::error_text() + ")");
}

journal::~journal() {
  try {
    flush();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "taskhub: %s\n", e.what());
  }
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  p_.reset();
}

void journal::start(const std::vector<int>& ranks, const std::vector<std::string>& hosts) {
  run_row r{};
  r.run = p_->run;
  r.started = now_seconds();
  r.engines = static_cast<std::uint32_t>(ranks.size());
  copy_text(r.host, this_host());
  copy_text(r.command, p_->settings.command);
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

const stored_outcome* journal::submitted(const task_state& t) {
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
  p_->tasks.pending.push_back(r);
  if (p_->stored.empty() || t.target >= 0) return nullptr;
  const auto it = p_->stored.find({name.hash, hash, r.occurrence});
  if (it == p_->stored.end()) return nullptr;
  p_->serving[&t] = &it->second;
  return &it->second.outcome;
}

void journal::dispatched(const task_state& t) {
  p_->events.pending.push_back(event_of(p_->run, t, event::dispatched, t.engine));
}

void journal::retried(const task_state& t, int engine, const char* failure, std::size_t size) {
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

void journal::finished(const task_state& t, int state, bool is_restored) {
  outcome_row o{};
  o.run = p_->run;
  o.id = t.id;
  const auto s = static_cast<taskhub::task_state>(state);
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
  if (o.state != event::done) {
    error_row e{};
    e.run = p_->run;
    e.id = t.id;
    copy_text(e.type, type);
    copy_text(e.message, message);
    p_->errors.pending.push_back(e);
  }
  p_->events.pending.push_back(
      event_of(p_->run, t, is_restored ? event::restored : o.state, t.engine));
  p_->outcomes.pending.push_back(o);
  ++p_->pending_outcomes;
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
  } catch (const std::runtime_error& e) {
    p_->refuse(e.what());
  }
  p_->pending_outcomes = 0;
  p_->last_flush = std::chrono::steady_clock::now();
}


}  // namespace taskhub::detail
