// SPDX-License-Identifier: MIT
// Part of taskhub.
// The journal's file: its tables, its lock, and recovery from what an earlier run left.
#include "journal/journal_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <set>

#include "hdf5/attribute.hpp"
#include "hdf5/error_text.hpp"
#include "hdf5/file.hpp"
#include "taskhub/error.hpp"
#include "core/voice.hpp"

namespace taskhub::detail {
namespace {

void write_attributes(hid_t file) {
  hdf5::write_text_attribute(file, "format", schema::format_name);
  hdf5::write_attribute(file, "version", H5T_NATIVE_UINT32, &schema::format_version);
}

// Throws unless `file` says it is a journal of a version this taskhub reads.
void check_attributes(hid_t file) {
  if (hdf5::read_text_attribute(file, "format") != std::string(schema::format_name))
    throw std::runtime_error("it is not a taskhub journal");
  std::uint32_t version = 0;
  hdf5::read_attribute(file, "version", H5T_NATIVE_UINT32, &version);
  if (version < schema::oldest_version || version > schema::format_version)
    throw std::runtime_error("it has journal version " + std::to_string(version) +
                             ", this taskhub reads versions " +
                             std::to_string(schema::oldest_version) + " to " +
                             std::to_string(schema::format_version));
}

// Removes the rows of run 0, which no run writes; returns how many there were.
template <class Row>
std::size_t drop_zero_rows(std::vector<Row>& rows) {
  const auto end = std::remove_if(rows.begin(), rows.end(), [](const Row& r) { return r.run == 0; });
  const auto n = static_cast<std::size_t>(rows.end() - end);
  rows.erase(end, rows.end());
  return n;
}

// Whether bytes [offset, offset + size) of /results overlap a range that could not be read;
// `damaged` is in ascending order and the bytes lie within /results.
bool is_damaged(const std::vector<hdf5::row_range>& damaged, std::uint64_t offset,
                std::uint64_t size) {
  if (size == 0) return false;
  const auto after = std::upper_bound(
      damaged.begin(), damaged.end(), offset,
      [](std::uint64_t at, const hdf5::row_range& r) { return at < r.first; });
  if (after != damaged.begin() && offset - std::prev(after)->first < std::prev(after)->count)
    return true;  // begins inside a damaged range
  return after != damaged.end() && after->first - offset < size;  // reaches the next one
}

// Makes the file at `path` durable: written through to the disk, not only to its cache.
void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const bool is_synced = fd >= 0 && ::fsync(fd) == 0;
  const int why = errno;
  if (fd >= 0) ::close(fd);
  if (!is_synced) throw std::runtime_error(std::string("cannot sync it: ") + std::strerror(why));
}

// Makes a rename in the directory of `path` durable; a failure only weakens that promise.
void sync_directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

// Two runs writing one journal would corrupt it; the lock dies with its process, even killed.
void journal::impl::lock() {
  const std::string name = settings.path + ".lock";
  lock_fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) refuse("cannot create " + name + ": " + std::strerror(errno));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
    refuse("another running program writes it (it holds " + name + ")");
}

void journal::impl::create(const std::string& path) {
  ::unlink(path.c_str());
  file = hdf5::create_file(path, true);
  if (!file) throw std::runtime_error("cannot create " + path + ": " + hdf5::error_text());
  write_attributes(file.get());
  runs.create(file.get());
  engines.create(file.get());
  tasks.create(file.get());
  events.create(file.get());
  outcomes.create(file.get());
  errors.create(file.get());
  results.create(file.get());
  parents.create(file.get());
}

bool journal::impl::close() {
  bool is_closed = true;
  is_closed = runs.close() && is_closed;
  is_closed = engines.close() && is_closed;
  is_closed = tasks.close() && is_closed;
  is_closed = events.close() && is_closed;
  is_closed = outcomes.close() && is_closed;
  is_closed = errors.close() && is_closed;
  is_closed = results.close() && is_closed;
  is_closed = parents.close() && is_closed;
  return file.close() && is_closed;
}

void journal::impl::start_swmr_write() {
  if (H5Fstart_swmr_write(file.get()) < 0)
    refuse("cannot start single-writer mode (" + hdf5::error_text() + ")");
}

// Writes every table and flushes, outcomes last and only once the rows they refer to (results,
// errors, tasks) are on disk: a failed write never leaves an outcome whose result is not there.
// After a failure nothing more is written.
void journal::impl::write_all() {
  if (is_broken) throw std::runtime_error("an earlier write failed; nothing more is written");
  const auto flush = [this] {
    if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0)
      throw std::runtime_error("flush: " + hdf5::error_text());
  };
  try {
    results.write();
    errors.write();
    tasks.write();
    parents.write();
    events.write();
    engines.write();
    runs.write();
    flush();
    outcomes.write();
    flush();
  } catch (const std::runtime_error&) {
    is_broken = true;
    throw;
  }
}

// Refuses, before anything is written, to serve a rebuilt program the results of the build that
// wrote the journal's last run, unless asked to.
void journal::impl::check_build(const std::vector<run_row>& runs_read) const {
  const run_row* last = nullptr;
  for (const auto& r : runs_read)
    if (!last || r.run >= last->run) last = &r;
  if (!last) return;
  const std::string written_by = text_of(last->build);
  const std::string& now = settings.build;
  if (written_by.empty() || written_by == now.substr(0, sizeof last->build - 1)) return;
  const std::string builds = "its run " + std::to_string(last->run) + " was written by build " +
                             written_by + ", this program is build " +
                             (now.empty() ? std::string("(unknown)") : now);
  if (!settings.is_accepting_rebuild)
    refuse(builds + ": a rebuilt program may compute other results than those it stores; "
           "resume with --taskhub-accept-rebuild to serve them all the same");
}

// Adds what the outcome log beside the journal holds and its file does not: the tasks and
// outcomes of the last run since its last flush. A record whose checksum fails costs its task a
// run, with one line.
void journal::impl::fold_log(std::vector<task_row>& tasks_read,
                             std::vector<parent_row>& parents_read,
                             std::vector<event_row>& events_read,
                             std::vector<outcome_row>& outcomes_read,
                             std::vector<error_row>& errors_read,
                             std::vector<std::uint8_t>& results_read) const {
  const std::string log_path = outcome_log::path_of(settings.path);
  const log_contents logged = outcome_log::read(log_path);
  if (logged.damaged > 0)
    say_info(
                 "journal %s: %zu record(s) of its outcome log %s are damaged (their "
                 "checksum fails) and dropped; those tasks run again\n",
                 settings.path.c_str(), logged.damaged, log_path.c_str());
  using key = std::pair<std::uint32_t, std::uint64_t>;
  std::set<key> has_task, has_outcome;
  for (const auto& t : tasks_read) has_task.insert({t.run, t.id});
  for (const auto& o : outcomes_read) has_outcome.insert({o.run, o.id});
  std::set<key> folded_tasks;
  for (const auto& t : logged.tasks)
    if (t.run != 0 && has_task.insert({t.run, t.id}).second) {
      tasks_read.push_back(t);
      folded_tasks.insert({t.run, t.id});
    }
  for (const auto& p : logged.parents)
    if (folded_tasks.count({p.run, p.id})) parents_read.push_back(p);
  std::size_t folded = 0;
  for (const auto& o : logged.outcomes) {
    if (o.outcome.run == 0 || !has_outcome.insert({o.outcome.run, o.outcome.id}).second)
      continue;  // the file has it: the log was not emptied after the flush that wrote it
    outcome_row r = o.outcome;
    if (r.state == event::done && r.result_offset != schema::no_result) {
      r.result_offset = results_read.size();
      r.result_size = o.result.size();
      results_read.insert(results_read.end(), o.result.begin(), o.result.end());
    }
    events_read.push_back(o.event);
    if (o.has_error) errors_read.push_back(o.error);
    outcomes_read.push_back(r);
    ++folded;
  }
  if (folded > 0)
    say_info("journal %s: %zu outcome(s) taken from its outcome log %s\n",
                 settings.path.c_str(), folded, log_path.c_str());
}

// Reads the journal at settings.path, keeps what is whole, and writes it into a fresh file that
// replaces the old one; fills `stored` with the outcomes later tasks may be served from.
void journal::impl::recover() {
  const std::string& path = settings.path;
  if (::access(path.c_str(), F_OK) != 0) {
    say_info("journal %s does not exist yet: starting a new one\n", path.c_str());
    create(path);
    write_all();
    start_swmr_write();
    return;
  }
  std::vector<run_row> old_runs;
  std::vector<engine_row> old_engines;
  std::vector<task_row> old_tasks;
  std::vector<parent_row> old_parents;  // none before version 3
  std::vector<event_row> old_events;
  std::vector<outcome_row> old_outcomes;
  std::vector<error_row> old_errors;
  std::vector<std::uint8_t> old_results;
  std::vector<hdf5::row_range> damaged_results;  // bytes of /results whose checksum failed
  // Rows of /tasks, /events, /outcomes and /errors whose checksum failed: left zero (run 0), so
  // the tasks they concern have no whole outcome and run again. /runs and /engines must be whole.
  std::vector<hdf5::row_range> damaged_rows[4];
  const char* damaged_names[4] = {schema::dataset::tasks, schema::dataset::events,
                                  schema::dataset::outcomes, schema::dataset::errors};
  {
    hdf5::handle old = hdf5::open_to_read(path);
    if (!old && hdf5::has_writer_flags(path)) {
      // Left open for writing by a run killed before its SWMR mode began: neither a plain open
      // nor a SWMR reader takes it. Clear the flags, as h5clear -s does, and open it again.
      const std::string why = hdf5::error_text();
      if (hdf5::clear_writer_flags(path)) {
        say_info(
                     "journal %s: its writer was killed; cleared its HDF5 status flags\n",
                     path.c_str());
        old = hdf5::open_to_read(path);
      } else {
        refuse("cannot be opened as HDF5 (" + why + "); it may be damaged");
      }
    }
    if (!old) refuse("cannot be opened as HDF5 (" + hdf5::error_text() + "); it may be damaged");
    try {
      check_attributes(old.get());
      old_runs = runs.read(old.get());
      old_engines = engines.read(old.get());
      old_tasks = tasks.read(old.get(), &damaged_rows[0]);
      old_events = events.read(old.get(), &damaged_rows[1]);
      old_outcomes = outcomes.read(old.get(), &damaged_rows[2]);
      old_errors = errors.read(old.get(), &damaged_rows[3]);
      old_results = results.read(old.get(), &damaged_results);
      if (H5Lexists(old.get(), schema::dataset::parents, H5P_DEFAULT) > 0) {
        std::vector<hdf5::row_range> lost_parents;  // a task's parents are for people only
        old_parents = parents.read(old.get(), &lost_parents);
      }
    } catch (const std::runtime_error& e) {
      refuse(std::string(e.what()) + "; refusing to resume from it");
    }
  }
  // A write that failed (a full disk) may leave rows of zeros at the end of a table: HDF5
  // records a table's new length even when its data never reached the disk. Runs count from 1.
  const std::size_t zeros = drop_zero_rows(old_runs) + drop_zero_rows(old_engines) +
                            drop_zero_rows(old_tasks) + drop_zero_rows(old_events) +
                            drop_zero_rows(old_outcomes) + drop_zero_rows(old_errors);
  drop_zero_rows(old_parents);
  check_build(old_runs);
  std::string lost;
  std::size_t lost_rows = 0;
  for (int i = 0; i < 4; ++i) {
    std::size_t n = 0;
    for (const auto& r : damaged_rows[i]) n += static_cast<std::size_t>(r.count);
    if (n > 0) lost += (lost.empty() ? "" : ", ") + std::to_string(n) + " of /" + damaged_names[i];
    lost_rows += n;
  }
  if (lost_rows > 0)
    say_info(
                 "journal %s: rows whose checksum fails are dropped (%s); tasks left "
                 "without a whole outcome run again\n",
                 path.c_str(), lost.c_str());
  if (zeros > lost_rows)
    say_info(
                 "journal %s: %zu row(s) of zeros, left by a write that failed, are "
                 "dropped\n",
                 path.c_str(), zeros - lost_rows);
  fold_log(old_tasks, old_parents, old_events, old_outcomes, old_errors, old_results);
  std::uint32_t last_run = 0;
  for (const auto& r : old_runs) last_run = std::max(last_run, r.run);
  for (const auto& t : old_tasks) last_run = std::max(last_run, t.run);
  if (last_run == std::numeric_limits<std::uint32_t>::max())
    refuse("it has run " + std::to_string(last_run) + ", after which no run number is left");
  run = last_run + 1;

  // Keep outcomes that are whole: their task is known, their result or error is on disk.
  std::map<std::pair<std::uint32_t, std::uint64_t>, const task_row*> task_of;
  for (const auto& t : old_tasks) task_of[{t.run, t.id}] = &t;
  std::map<std::pair<std::uint32_t, std::uint64_t>, const error_row*> error_of;
  for (const auto& e : old_errors) error_of[{e.run, e.id}] = &e;
  std::vector<outcome_row> kept, damaged;
  std::size_t dropped = 0, damaged_count = 0;
  for (const auto& o : old_outcomes) {
    const auto it = task_of.find({o.run, o.id});
    const bool is_kept_result = o.result_offset != schema::no_result;
    // [offset, offset + size) within /results, without computing a sum that may wrap.
    const bool is_within_results = o.result_offset <= old_results.size() &&
                                   o.result_size <= old_results.size() - o.result_offset;
    const bool is_whole = it != task_of.end() && (!is_kept_result || is_within_results) &&
                          (o.state != event::failed || error_of.count({o.run, o.id}));
    if (!is_whole) {
      ++dropped;
      continue;
    }
    if (is_kept_result && is_damaged(damaged_results, o.result_offset, o.result_size)) {
      if (damaged.size() < 10) damaged.push_back(o);
      ++damaged_count;
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
  if (damaged_count > 0) {
    std::string which;
    for (const auto& o : damaged)
      which += std::string(which.empty() ? "" : ", ") + "run " + std::to_string(o.run) + " task " +
               std::to_string(o.id) + " at byte " + std::to_string(o.result_offset);
    if (damaged_count > damaged.size())
      which += " and " + std::to_string(damaged_count - damaged.size()) + " more";
    say_info(
                 "journal %s: %zu stored result(s) are damaged (their checksum in "
                 "/results fails: %s); those tasks run again\n",
                 path.c_str(), damaged_count, which.c_str());
  }
  if (dropped > 0)
    say_info(
                 "journal %s: %zu outcome(s) written as the earlier run was killed are "
                 "incomplete; those tasks run again\n",
                 path.c_str(), dropped);

  // The fresh file: written beside the old one, made durable, then renamed over it, so a kill
  // at any moment leaves either the old journal or the whole new one. In SWMR mode before the
  // rename: a run killed later leaves a file that SWMR readers open.
  const std::string fresh = path + ".resume";
  try {
    create(fresh);
    runs.pending = std::move(old_runs);
    engines.pending = std::move(old_engines);
    tasks.pending = std::move(old_tasks);
    parents.pending = std::move(old_parents);
    events.pending = std::move(old_events);
    outcomes.pending = std::move(kept);
    errors.pending = std::move(old_errors);
    results.pending = std::move(old_results);
    write_all();
    start_swmr_write();
    sync_file(fresh);
    if (std::rename(fresh.c_str(), path.c_str()) != 0)
      throw std::runtime_error(std::string("cannot rename it: ") + std::strerror(errno));
  } catch (const error&) {
    close();
    ::unlink(fresh.c_str());  // no half-written copy stays behind
    throw;
  } catch (const std::runtime_error& e) {
    close();
    ::unlink(fresh.c_str());
    refuse(std::string("cannot write its fresh copy ") + fresh + ": " + e.what() +
           "; the journal is left as it was");
  }
  sync_directory_of(path);
}

}  // namespace taskhub::detail
