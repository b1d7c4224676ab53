// SPDX-License-Identifier: MIT
// Part of taskhub.
// The rows of a task journal (doc/journal.md), read whole into memory by taskhub-report.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "journal/schema.hpp"

namespace taskhub_report {

/// What the journal records of a task (the HDF5 enum `state`), as the journal writes it.
using taskhub::detail::schema::event;
using taskhub::detail::schema::event_name;

struct run_row {
  std::uint32_t run = 0;
  double started = 0;
  std::uint32_t engines = 0;
  std::string host, command, version;
};

struct engine_row {
  std::uint32_t run = 0;
  std::int32_t rank = 0;
  std::string host;
};

struct task_row {
  std::uint32_t run = 0;
  std::uint64_t id = 0;
  std::string function;
  double submitted = 0;
  std::int32_t target = -1, origin = 0;
  std::string label;  // empty: none (always so in a version 2 journal)
};

/// A task's parent: a task its after or follow dependency names (none in a version 2 journal).
struct parent_row {
  std::uint32_t run = 0;
  std::uint64_t id = 0, parent = 0;
};

struct event_row {
  std::uint32_t run = 0;
  std::uint64_t id = 0;
  double time = 0;
  event what = event::none;
  std::int32_t engine = -1;
  std::uint32_t attempt = 0;
};

struct outcome_row {
  std::uint32_t run = 0;
  std::uint64_t id = 0;
  event what = event::none;
  bool is_restored = false;
  std::int32_t engine = -1;
  double started = 0, completed = 0;
  std::uint32_t retries = 0;
};

struct error_row {
  std::uint32_t run = 0;
  std::uint64_t id = 0;
  std::string type, message;
};

/// Every row of a journal except the result bytes, in file order.
struct journal {
  std::vector<run_row> runs;
  std::vector<engine_row> engines;
  std::vector<task_row> tasks;
  std::vector<parent_row> parents;
  std::vector<event_row> events;
  std::vector<outcome_row> outcomes;
  std::vector<error_row> errors;
  bool is_swmr_open = false;  // opened for SWMR reading: the writer did not close the file
  std::uint32_t version = 0;  // of the layout
};

/// What is wrong with a journal file, in words that follow "PATH: ".
class journal_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads the journal at `path`; throws journal_error when it cannot be read or is not a journal.
journal read_journal(const std::string& path);

}  // namespace taskhub_report
