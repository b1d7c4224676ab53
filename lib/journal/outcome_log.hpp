// SPDX-License-Identifier: MIT
// Part of taskhub.
// The journal's outcome log: PATH.log, appended with write(2) every hub pass before the pass's
// outcomes reach the client, folded into PATH at every flush and on resume (doc/journal.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "journal/schema.hpp"

namespace taskhub::detail {

/// A finished task as the log keeps it: the rows a flush writes for it, and its result.
struct logged_outcome {
  schema::event_row event{};
  schema::outcome_row outcome{};
  bool has_error = false;
  schema::error_row error{};
  std::vector<std::uint8_t> result;
};

/// What a log holds: its whole records, and how many were dropped as damaged.
struct log_contents {
  std::vector<schema::task_row> tasks;
  std::vector<schema::parent_row> parents;  // of those tasks
  std::vector<logged_outcome> outcomes;
  std::size_t damaged = 0;
};

/// PATH.log: records of [magic, payload length, FNV-1a of the payload][payload], back to back;
/// a payload is a submitted task's row and its parents, or a finished task's rows and result.
class outcome_log {
 public:
  outcome_log() = default;
  ~outcome_log();
  outcome_log(const outcome_log&) = delete;
  outcome_log& operator=(const outcome_log&) = delete;

  /// The log beside the journal at `journal_path`.
  static std::string path_of(const std::string& journal_path) { return journal_path + ".log"; }

  /// Opens (creates) the log at `path` empty, for appending; `is_syncing` adds fsync(2) to every
  /// write. Throws std::runtime_error.
  void open(const std::string& path, bool is_syncing);
  /// Adds a submitted task and the ids of its parents to what the next write() appends.
  void add(const schema::task_row& t, const std::vector<std::uint64_t>& parents);
  /// Adds a finished task to what the next write() appends: its rows (`error` may be null) and
  /// its result's `size` bytes.
  void add(const schema::event_row& event, const schema::outcome_row& outcome,
           const schema::error_row* error, const void* result, std::size_t size);
  /// Appends what add() gathered, in one write(2) (and fsync(2) when syncing), so that a killed
  /// process cannot lose it. Throws std::runtime_error; a failed write leaves the log as it was.
  void write();
  /// Empties the log, and forgets what add() gathered: the journal's file holds all of it.
  void clear();
  /// Closes and removes the log.
  void remove();

  /// Every whole record of the log at `path` (none when it does not exist): a record cut short
  /// at the end (the writer was killed) is dropped; one whose checksum fails is dropped and
  /// counted as damaged; past a record that cannot be framed, the rest is dropped and counted.
  static log_contents read(const std::string& path);

 private:
  int fd_ = -1;
  bool is_syncing_ = false;
  std::string path_;
  void end_record(std::size_t at);

  std::vector<char> unwritten_;
  std::uint64_t size_ = 0;  // of the file, after the last write
};

}  // namespace taskhub::detail
