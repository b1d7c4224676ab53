// SPDX-License-Identifier: MIT
// Part of taskhub.
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

#include "hdf5/lock.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/error.hpp"
#include "taskhub/task_options.hpp"
#include "taskhub/task_record.hpp"

namespace taskhub::detail {

namespace {

// Values of the HDF5 enum `state` (doc/journal.md).
enum state_value : std::uint8_t {
  state_dispatched = 1,
  state_retried = 2,
  state_done = 3,
  state_failed = 4,
  state_cancelled = 5,
  state_restored = 6
};

struct run_row {
  std::uint32_t run;
  double started;
  std::uint32_t engines;
  char host[64];
  char command[256];
};
struct engine_row {
  std::uint32_t run;
  std::int32_t rank;
  char host[64];
};
struct task_row {
  std::uint32_t run;
  std::uint64_t id;
  char function[128];
  std::uint64_t args_hash;
  std::uint32_t occurrence;
  double submitted;
  std::int32_t target, origin;
};
struct event_row {
  std::uint32_t run;
  std::uint64_t id;
  double time;
  std::uint8_t state;
  std::int32_t engine;
  std::uint32_t attempt;
};
struct outcome_row {
  std::uint32_t run;
  std::uint64_t id;
  std::uint8_t state, restored;
  std::int32_t engine;
  double started, completed;
  std::uint32_t retries;
  std::uint64_t result_offset, result_size;
};
struct error_row {
  std::uint32_t run;
  std::uint64_t id;
  char type[64];
  char message[448];
};

template <std::size_t N>
void copy_text(char (&to)[N], const std::string& from) {
  std::memset(to, 0, N);
  std::memcpy(to, from.data(), std::min(from.size(), N - 1));
}
template <std::size_t N>
std::string text_of(const char (&from)[N]) {
  return std::string(from, strnlen(from, N));
}

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

// The innermost message on HDF5's error stack: what actually went wrong.
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        auto& r = *static_cast<std::string*>(out);
        if (r.empty() && e->desc) r = e->desc;
        return 0;
      },
      &reason);
  return reason.empty() ? "unknown HDF5 error" : reason;
}

// An HDF5 identifier closed by its own close function.
class handle {
 public:
  handle() = default;
  explicit handle(hid_t id) : id_(id) {}
  handle(handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  handle& operator=(handle&& o) noexcept {
    std::swap(id_, o.id_);
    return *this;
  }
  ~handle() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
};

handle string_type(std::size_t n) {
  handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), n);
  H5Tset_strpad(t.get(), H5T_STR_NULLTERM);
  return t;
}

handle state_type() {
  handle t(H5Tenum_create(H5T_NATIVE_UINT8));
  const char* names[] = {"dispatched", "retried", "done", "failed", "cancelled", "restored"};
  for (std::uint8_t v = 1; v <= 6; ++v) H5Tenum_insert(t.get(), names[v - 1], &v);
  return t;
}

// A compound type built field by field.
class compound {
 public:
  explicit compound(std::size_t size) : t_(H5Tcreate(H5T_COMPOUND, size)) {}
  compound& add(const char* name, std::size_t offset, hid_t type) {
    H5Tinsert(t_.get(), name, offset, type);
    return *this;
  }
  compound& text(const char* name, std::size_t offset, std::size_t n) {
    return add(name, offset, string_type(n).get());
  }
  handle take() { return std::move(t_); }

 private:
  handle t_;
};

#define TASKHUB_FIELD(row, f) #f, HOFFSET(row, f)

handle type_of(run_row*) {
  return compound(sizeof(run_row))
      .add(TASKHUB_FIELD(run_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(run_row, started), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(run_row, engines), H5T_NATIVE_UINT32)
      .text(TASKHUB_FIELD(run_row, host), 64)
      .text(TASKHUB_FIELD(run_row, command), 256)
      .take();
}
handle type_of(engine_row*) {
  return compound(sizeof(engine_row))
      .add(TASKHUB_FIELD(engine_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(engine_row, rank), H5T_NATIVE_INT32)
      .text(TASKHUB_FIELD(engine_row, host), 64)
      .take();
}
handle type_of(task_row*) {
  return compound(sizeof(task_row))
      .add(TASKHUB_FIELD(task_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(task_row, id), H5T_NATIVE_UINT64)
      .text(TASKHUB_FIELD(task_row, function), 128)
      .add(TASKHUB_FIELD(task_row, args_hash), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(task_row, occurrence), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(task_row, submitted), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(task_row, target), H5T_NATIVE_INT32)
      .add(TASKHUB_FIELD(task_row, origin), H5T_NATIVE_INT32)
      .take();
}
handle type_of(event_row*) {
  return compound(sizeof(event_row))
      .add(TASKHUB_FIELD(event_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(event_row, id), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(event_row, time), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(event_row, state), state_type().get())
      .add(TASKHUB_FIELD(event_row, engine), H5T_NATIVE_INT32)
      .add(TASKHUB_FIELD(event_row, attempt), H5T_NATIVE_UINT32)
      .take();
}
handle type_of(outcome_row*) {
  return compound(sizeof(outcome_row))
      .add(TASKHUB_FIELD(outcome_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(outcome_row, id), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(outcome_row, state), state_type().get())
      .add(TASKHUB_FIELD(outcome_row, restored), H5T_NATIVE_UINT8)
      .add(TASKHUB_FIELD(outcome_row, engine), H5T_NATIVE_INT32)
      .add(TASKHUB_FIELD(outcome_row, started), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(outcome_row, completed), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(outcome_row, retries), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(outcome_row, result_offset), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(outcome_row, result_size), H5T_NATIVE_UINT64)
      .take();
}
handle type_of(error_row*) {
  return compound(sizeof(error_row))
      .add(TASKHUB_FIELD(error_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(error_row, id), H5T_NATIVE_UINT64)
      .text(TASKHUB_FIELD(error_row, type), 64)
      .text(TASKHUB_FIELD(error_row, message), 448)
      .take();
}
handle type_of(std::uint8_t*) { return handle(H5Tcopy(H5T_NATIVE_UINT8)); }

#undef TASKHUB_FIELD

// One extendable dataset of `Row`s: rows wait in `pending` until write().
template <class Row>
class table {
 public:
  table(const char* name, hsize_t chunk) : name_(name), chunk_(chunk), type_(type_of(static_cast<Row*>(nullptr))) {}

  void create(hid_t file) {
    const hsize_t zero = 0, unlimited = H5S_UNLIMITED;
    handle space(H5Screate_simple(1, &zero, &unlimited));
    handle plist(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(plist.get(), 1, &chunk_);
    set_ = handle(H5Dcreate2(file, name_, type_.get(), space.get(), H5P_DEFAULT, plist.get(),
                             H5P_DEFAULT));
    if (!set_) throw std::runtime_error(std::string("cannot create ") + name_);
  }

  // Every row of `name_` in `file`; throws when it is missing or of another layout.
  std::vector<Row> read(hid_t file) const {
    if (H5Lexists(file, name_, H5P_DEFAULT) <= 0)
      throw std::runtime_error(std::string("it has no ") + name_ + " dataset");
    handle set(H5Dopen2(file, name_, H5P_DEFAULT));
    handle space(H5Dget_space(set.get()));
    if (!set || !space || H5Sget_simple_extent_ndims(space.get()) != 1)
      throw std::runtime_error(std::string(name_) + " is not a one-dimensional dataset");
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    std::vector<Row> rows(n);
    if (n > 0 && H5Dread(set.get(), type_.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) < 0)
      throw std::runtime_error(std::string("cannot read ") + name_ + ": " + hdf5_reason());
    return rows;
  }

  hsize_t size() const { return written_ + pending.size(); }

  void write() {
    if (pending.empty()) return;
    const hsize_t n = pending.size(), total = written_ + n;
    if (H5Dset_extent(set_.get(), &total) < 0)
      throw std::runtime_error(std::string("cannot extend ") + name_ + ": " + hdf5_reason());
    handle file_space(H5Dget_space(set_.get()));
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &written_, nullptr, &n, nullptr);
    handle memory_space(H5Screate_simple(1, &n, nullptr));
    if (H5Dwrite(set_.get(), type_.get(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                 pending.data()) < 0)
      throw std::runtime_error(std::string("cannot write ") + name_ + ": " + hdf5_reason());
    written_ = total;
    pending.clear();
  }

  std::vector<Row> pending;

 private:
  const char* name_;
  hsize_t chunk_;
  handle type_;
  handle set_;
  hsize_t written_ = 0;
};

constexpr const char* format_name = "taskhub-journal";
// result_offset of a done outcome whose result was not kept (--taskhub-journal-results=0).
constexpr std::uint64_t no_result = ~std::uint64_t{0};
constexpr std::uint32_t format_version = 1;

void write_attributes(hid_t file) {
  handle scalar(H5Screate(H5S_SCALAR));
  handle text = string_type(std::strlen(format_name) + 1);
  handle a(H5Acreate2(file, "format", text.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
  H5Awrite(a.get(), text.get(), format_name);
  handle v(H5Acreate2(file, "version", H5T_NATIVE_UINT32, scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
  H5Awrite(v.get(), H5T_NATIVE_UINT32, &format_version);
}

// Throws unless `file` says it is a journal of this version.
void check_attributes(hid_t file) {
  if (H5Aexists(file, "format") <= 0) throw std::runtime_error("it is not a taskhub journal");
  handle a(H5Aopen(file, "format", H5P_DEFAULT));
  handle type(H5Aget_type(a.get()));
  std::string value(H5Tget_size(type.get()), '\0');
  handle text = string_type(value.size());
  H5Aread(a.get(), text.get(), value.data());
  if (std::string(value.c_str()) != format_name) throw std::runtime_error("it is not a taskhub journal");
  std::uint32_t version = 0;
  if (H5Aexists(file, "version") > 0) {
    handle v(H5Aopen(file, "version", H5P_DEFAULT));
    H5Aread(v.get(), H5T_NATIVE_UINT32, &version);
  }
  if (version != format_version)
    throw std::runtime_error("it has journal version " + std::to_string(version) +
                             ", this taskhub reads version " + std::to_string(format_version));
}

event_row event_of(std::uint32_t run, const task_state& t, std::uint8_t state, int engine) {
  event_row e{};
  e.run = run;
  e.id = t.id;
  e.time = now_seconds();
  e.state = state;
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
  handle file;
  std::uint32_t run = 1;
  table<run_row> runs{"runs", 64};
  table<engine_row> engines{"engines", 256};
  table<task_row> tasks{"tasks", 1024};
  table<event_row> events{"events", 2048};
  table<outcome_row> outcomes{"outcomes", 1024};
  table<error_row> errors{"errors", 256};
  table<std::uint8_t> results{"results", 1 << 16};

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
    file = handle();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  void create(const std::string& path) {
    handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    ::unlink(path.c_str());
    file = handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
    if (!file) refuse("cannot create the file (" + hdf5_reason() + ")");
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
    if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0) throw std::runtime_error("flush: " + hdf5_reason());
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
    handle old(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!old) old = handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT));
    if (!old) refuse("cannot be opened as HDF5 (" + hdf5_reason() + "); it may be damaged");
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
    const bool is_kept_result = o.result_offset != no_result;
    const bool is_whole = it != task_of.end() &&
                          (!is_kept_result || o.result_offset + o.result_size <= old_results.size()) &&
                          (o.state != state_failed || error_of.count({o.run, o.id}));
    if (!is_whole) {
      ++dropped;
      continue;
    }
    kept.push_back(o);
    if (o.state != state_done && (o.state != state_failed || settings.is_retry_failed)) continue;
    if (o.state == state_done && !is_kept_result) continue;  // its result was not kept: it runs
    const task_row& t = *it->second;
    served s;
    s.outcome.is_done = o.state == state_done;
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
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // failures are reported as one line each
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
    p_->refuse("cannot start single-writer mode (" + hdf5_reason() + ")");
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

void journal::started(const std::vector<int>& ranks, const std::vector<std::string>& hosts) {
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
  p_->events.pending.push_back(event_of(p_->run, t, state_dispatched, t.engine));
}

void journal::retried(const task_state& t, int engine, const char* failure, std::size_t size) {
  p_->events.pending.push_back(event_of(p_->run, t, state_retried, engine));
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

void journal::finished(const task_state& t, taskhub::task_state s) {
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
  o.state = s == taskhub::task_state::done                                     ? state_done
            : s == taskhub::task_state::aborted || type == failure::run_ended ? state_cancelled
                                                                              : state_failed;
  o.restored = is_restored ? 1 : 0;
  o.engine = t.engine;
  o.started = seconds(t.started_us);
  o.completed = seconds(t.completed_us);
  o.retries = static_cast<std::uint32_t>(t.hub.retries_used);
  if (is_restored) {
    const auto it = p_->serving.find(&t);
    if (it != p_->serving.end()) {
      o.result_offset = it->second->offset;
      o.result_size = o.state == state_done ? it->second->outcome.result.size() : 0;
      p_->serving.erase(it);
    }
  } else if (o.state == state_done && p_->settings.is_storing_results) {
    o.result_offset = p_->results.size();
    o.result_size = t.result_size;
    const auto* at = reinterpret_cast<const std::uint8_t*>(t.result_data);
    p_->results.pending.insert(p_->results.pending.end(), at, at + t.result_size);
  } else if (o.state == state_done) {
    o.result_offset = no_result;
  }
  if (o.state != state_done) {
    error_row e{};
    e.run = p_->run;
    e.id = t.id;
    copy_text(e.type, type);
    copy_text(e.message, message);
    p_->errors.pending.push_back(e);
  }
  p_->events.pending.push_back(event_of(p_->run, t, is_restored ? std::uint8_t{state_restored} : o.state, t.engine));
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


void journal::catch_up(bool is_final) {
  if (is_final || is_flush_due()) flush();
}

}  // namespace taskhub::detail
