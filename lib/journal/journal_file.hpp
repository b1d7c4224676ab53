// SPDX-License-Identifier: MIT
// Part of taskhub.
// The journal's file: its tables, its lock, and recovery from what an earlier run left.
#pragma once

#include <hdf5.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "hdf5/handle.hpp"
#include "hdf5/table.hpp"
#include "journal/journal.hpp"
#include "journal/outcome_log.hpp"
#include "journal/schema.hpp"

namespace taskhub::detail {

using schema::copy_text;
using schema::engine_row;
using schema::error_row;
using schema::event;
using schema::event_row;
using schema::fnv1a;
using schema::outcome_row;
using schema::parent_row;
using schema::run_row;
using schema::task_row;
using schema::text_of;


inline double seconds(std::int64_t us) { return static_cast<double>(us) / 1e6; }
inline std::int64_t micros(double s) { return static_cast<std::int64_t>(s * 1e6 + 0.5); }
inline double now_seconds() {
  return seconds(std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count());
}

// A table whose rows wait in `pending` until write().
template <class Row>
class buffered_table {
 public:
  buffered_table(const char* name, hsize_t chunk)
      : table_(schema::table_of<Row>(name)), chunk_(chunk) {}

  void create(hid_t file) { table_.create(file, chunk_); }
  bool close() { return table_.close(); }
  std::vector<Row> read(hid_t file, std::vector<hdf5::row_range>* damaged = nullptr) const {
    return table_.read(file, damaged);
  }
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


struct journal::impl {
  journal_settings settings;
  int lock_fd = -1;  // PATH.lock, held while this run writes PATH
  hdf5::handle file;
  outcome_log log;  // PATH.log: what finished since the last flush
  std::uint32_t run = 1;
  buffered_table<run_row> runs{schema::dataset::runs, 64};
  buffered_table<engine_row> engines{schema::dataset::engines, 256};
  buffered_table<task_row> tasks{schema::dataset::tasks, 1024};
  buffered_table<event_row> events{schema::dataset::events, 2048};
  buffered_table<outcome_row> outcomes{schema::dataset::outcomes, 1024};
  buffered_table<error_row> errors{schema::dataset::errors, 256};
  buffered_table<std::uint8_t> results{schema::dataset::results, 1 << 16};
  buffered_table<parent_row> parents{schema::dataset::parents, 1024};

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
  std::unordered_map<const task_data*, const served*> serving;  // restored, until finished
  std::size_t pending_outcomes = 0;
  bool is_broken = false;  // a write failed: nothing more is written
  std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();

  [[noreturn]] void refuse(const std::string& what) const {
    throw error("journal " + settings.path + ": " + what);
  }

  // Two runs writing one journal would corrupt it; the lock dies with its process, even killed.
  void lock();
  ~impl() {
    close();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  /// Closes every dataset, then the file; false when HDF5 failed to (its last writes failed).
  bool close();

  /// Creates the journal's file at `path` with its empty tables.
  void create(const std::string& path);

  /// Writes every table and flushes, outcomes last: in SWMR mode the file on disk is whole
  /// afterwards. Throws std::runtime_error; after a failure nothing more is written.
  void write_all();

  /// Begins SWMR mode: from here on, a killed run leaves a file that SWMR readers open.
  void start_swmr_write();

  /// Refuses a resume by another build than the one that wrote the last run, unless
  /// settings.is_accepting_rebuild.
  void check_build(const std::vector<run_row>& runs_read) const;

  /// Adds to the rows read from the journal's file what its outcome log holds and the file does
  /// not (the last run's tasks and outcomes since its last flush).
  void fold_log(std::vector<task_row>& tasks_read, std::vector<parent_row>& parents_read,
                std::vector<event_row>& events_read,
                std::vector<outcome_row>& outcomes_read, std::vector<error_row>& errors_read,
                std::vector<std::uint8_t>& results_read) const;

  /// Reads the journal at settings.path, keeps what is whole, and writes it into a fresh file
  /// that replaces the old one; fills `stored` with the outcomes later tasks may be served from.
  void recover();
};

}  // namespace taskhub::detail
