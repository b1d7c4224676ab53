// SPDX-License-Identifier: MIT
// Part of taskhub.
// The task journal's layout on disk (doc/journal.md): its datasets, rows, their types and events.
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "hdf5/datatype.hpp"
#include "hdf5/handle.hpp"
#include "hdf5/table.hpp"
#include "taskhub/task_record.hpp"

namespace taskhub::detail::schema {

/// The root group's attributes `format` and `version`: this taskhub writes format_version and
/// reads every version from oldest_version on (version 2 lacks /tasks' `label` and /parents).
constexpr const char* format_name = "taskhub-journal";
constexpr std::uint32_t format_version = 3;
constexpr std::uint32_t oldest_version = 2;

/// result_offset of a done outcome whose result was not kept (--taskhub-journal-results=0).
constexpr std::uint64_t no_result = ~std::uint64_t{0};

/// The datasets, in the root group.
namespace dataset {
constexpr const char* runs = "runs";
constexpr const char* engines = "engines";
constexpr const char* tasks = "tasks";
constexpr const char* events = "events";
constexpr const char* outcomes = "outcomes";
constexpr const char* errors = "errors";
constexpr const char* results = "results";
constexpr const char* parents = "parents";  // since version 3
/// Those every version has.
constexpr const char* all[] = {runs, engines, tasks, events, outcomes, errors, results};
}  // namespace dataset

/// What the journal records of a task: the HDF5 enum `state` of /events and /outcomes, by its
/// values on disk. A task's final taskhub::task_state is recorded as done, failed or cancelled
/// (outcome_event()); `none` is not on disk.
enum class event : std::uint8_t {
  none = 0,
  dispatched = 1,  // sent to an engine
  retried = 2,     // an attempt failed and the task runs again
  done = 3,
  failed = 4,
  cancelled = 5,  // on disk "cancelled" is an aborted task, or one unfinished when the run ended
  restored = 6    // answered from the journal of an earlier run
};
constexpr event first_event = event::dispatched, last_event = event::restored;

/// The name doc/journal.md gives an event ("?" for none or an unknown value).
constexpr const char* event_name(event e) {
  switch (e) {
    case event::dispatched:
      return "dispatched";
    case event::retried:
      return "retried";
    case event::done:
      return "done";
    case event::failed:
      return "failed";
    case event::cancelled:
      return "cancelled";
    case event::restored:
      return "restored";
    default:
      return "?";
  }
}

/// The event that records how a task ended: `done`; `cancelled` for an aborted task and for one
/// whose run ended before it finished (`is_run_ended`); else `failed`.
constexpr event outcome_event(taskhub::task_state s, bool is_run_ended) {
  if (s == taskhub::task_state::done) return event::done;
  if (s == taskhub::task_state::aborted || is_run_ended) return event::cancelled;
  return event::failed;
}

struct run_row {
  std::uint32_t run;
  double started;
  std::uint32_t engines;
  char host[64];
  char command[256];
  char build[64];  // the program's build fingerprint (build_fingerprint())
  char version[16];  // the taskhub that wrote the run ("0.1.0")
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
  char label[128];  // task_options::label(); empty for none (and in version 2, which lacks it)
};
/// One of a task's parents: a task its `after` or `follow` dependency names.
struct parent_row {
  std::uint32_t run;
  std::uint64_t id, parent;
};
struct event_row {
  std::uint32_t run;
  std::uint64_t id;
  double time;
  event state;
  std::int32_t engine;
  std::uint32_t attempt;
};
struct outcome_row {
  std::uint32_t run;
  std::uint64_t id;
  event state;
  std::uint8_t restored;
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

/// Puts `from` into a fixed-length string field, cut to fit and NUL-terminated.
template <std::size_t N>
void copy_text(char (&to)[N], const std::string& from) {
  std::memset(to, 0, N);
  std::memcpy(to, from.data(), std::min(from.size(), N - 1));
}

/// The text of a fixed-length string field.
template <std::size_t N>
std::string text_of(const char (&from)[N]) {
  return std::string(from, strnlen(from, N));
}

/// FNV-1a: how the journal hashes function names and arguments, and checks its log's records.
inline std::uint64_t fnv1a(const char* data, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

/// The HDF5 enum `state`.
inline hdf5::handle event_type() {
  hdf5::handle t(H5Tenum_create(H5T_NATIVE_UINT8));
  for (auto v = std::uint8_t(first_event); v <= std::uint8_t(last_event); ++v)
    H5Tenum_insert(t.get(), event_name(event(v)), &v);
  return t;
}

#define TASKHUB_FIELD(row, f) #f, HOFFSET(row, f)

/// The HDF5 type of each row.
inline hdf5::handle row_type(const run_row*) {
  return hdf5::compound(sizeof(run_row))
      .add(TASKHUB_FIELD(run_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(run_row, started), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(run_row, engines), H5T_NATIVE_UINT32)
      .text(TASKHUB_FIELD(run_row, host), 64)
      .text(TASKHUB_FIELD(run_row, command), 256)
      .text(TASKHUB_FIELD(run_row, build), 64)
      .text(TASKHUB_FIELD(run_row, version), 16)
      .take();
}
inline hdf5::handle row_type(const engine_row*) {
  return hdf5::compound(sizeof(engine_row))
      .add(TASKHUB_FIELD(engine_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(engine_row, rank), H5T_NATIVE_INT32)
      .text(TASKHUB_FIELD(engine_row, host), 64)
      .take();
}
inline hdf5::handle row_type(const task_row*) {
  return hdf5::compound(sizeof(task_row))
      .add(TASKHUB_FIELD(task_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(task_row, id), H5T_NATIVE_UINT64)
      .text(TASKHUB_FIELD(task_row, function), 128)
      .add(TASKHUB_FIELD(task_row, args_hash), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(task_row, occurrence), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(task_row, submitted), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(task_row, target), H5T_NATIVE_INT32)
      .add(TASKHUB_FIELD(task_row, origin), H5T_NATIVE_INT32)
      .text(TASKHUB_FIELD(task_row, label), 128)
      .take();
}
inline hdf5::handle row_type(const parent_row*) {
  return hdf5::compound(sizeof(parent_row))
      .add(TASKHUB_FIELD(parent_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(parent_row, id), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(parent_row, parent), H5T_NATIVE_UINT64)
      .take();
}
inline hdf5::handle row_type(const event_row*) {
  return hdf5::compound(sizeof(event_row))
      .add(TASKHUB_FIELD(event_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(event_row, id), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(event_row, time), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(event_row, state), event_type().get())
      .add(TASKHUB_FIELD(event_row, engine), H5T_NATIVE_INT32)
      .add(TASKHUB_FIELD(event_row, attempt), H5T_NATIVE_UINT32)
      .take();
}
inline hdf5::handle row_type(const outcome_row*) {
  return hdf5::compound(sizeof(outcome_row))
      .add(TASKHUB_FIELD(outcome_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(outcome_row, id), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(outcome_row, state), event_type().get())
      .add(TASKHUB_FIELD(outcome_row, restored), H5T_NATIVE_UINT8)
      .add(TASKHUB_FIELD(outcome_row, engine), H5T_NATIVE_INT32)
      .add(TASKHUB_FIELD(outcome_row, started), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(outcome_row, completed), H5T_NATIVE_DOUBLE)
      .add(TASKHUB_FIELD(outcome_row, retries), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(outcome_row, result_offset), H5T_NATIVE_UINT64)
      .add(TASKHUB_FIELD(outcome_row, result_size), H5T_NATIVE_UINT64)
      .take();
}
inline hdf5::handle row_type(const error_row*) {
  return hdf5::compound(sizeof(error_row))
      .add(TASKHUB_FIELD(error_row, run), H5T_NATIVE_UINT32)
      .add(TASKHUB_FIELD(error_row, id), H5T_NATIVE_UINT64)
      .text(TASKHUB_FIELD(error_row, type), 64)
      .text(TASKHUB_FIELD(error_row, message), 448)
      .take();
}
/// /results: the encoded results' bytes.
inline hdf5::handle row_type(const std::uint8_t*) {
  return hdf5::handle(H5Tcopy(H5T_NATIVE_UINT8));
}

#undef TASKHUB_FIELD

/// The dataset `name` of `Row`s: `table_of<task_row>(dataset::tasks)`. It reads the rows of
/// every version from oldest_version on: fields a later version added are left zero.
template <class Row>
hdf5::table<Row> table_of(const char* name) {
  hdf5::table<Row> table(name, row_type(static_cast<const Row*>(nullptr)));
  if (std::strcmp(name, dataset::tasks) == 0) table.allow_missing("label");
  return table;
}

}  // namespace taskhub::detail::schema
