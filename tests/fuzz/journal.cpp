// SPDX-License-Identifier: MIT
// Part of taskhub.
// Fuzz target: taskhub-report on a journal whose rows hold the input. The file's structure is
// HDF5's and sound; every field of every row is the fuzzer's (run numbers, ids, states, times,
// result offsets, strings without a NUL), as a foreign or damaged writer could leave them.
// Input: rows one after another, each a byte naming its table, then the row's bytes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "hdf5/attribute.hpp"
#include "hdf5/error_text.hpp"
#include "hdf5/file.hpp"
#include "hdf5/handle.hpp"
#include "hdf5/table.hpp"
#include "journal/schema.hpp"
#include "report/facts.hpp"
#include "report/journal_reader.hpp"

namespace {

namespace hdf5 = taskhub::detail::hdf5;
namespace schema = taskhub::detail::schema;

// Takes the next row of `Row` from the input (zeros past its end).
template <class Row>
void take(const std::uint8_t*& at, const std::uint8_t* end, std::vector<Row>& rows) {
  Row r;
  std::memset(&r, 0, sizeof r);
  const std::size_t n = std::min<std::size_t>(sizeof r, static_cast<std::size_t>(end - at));
  std::memcpy(&r, at, n);
  at += n;
  rows.push_back(r);
}

template <class Row>
void write(hid_t file, const char* name, const std::vector<Row>& rows) {
  auto table = schema::table_of<Row>(name);
  table.create(file, 16);
  table.append(rows);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/taskhub-fuzz-journal." + std::to_string(::getpid()) + ".h5";
  std::vector<schema::run_row> runs;
  std::vector<schema::engine_row> engines;
  std::vector<schema::task_row> tasks;
  std::vector<schema::event_row> events;
  std::vector<schema::outcome_row> outcomes;
  std::vector<schema::error_row> errors;
  std::vector<std::uint8_t> results;
  for (const std::uint8_t *at = data, *end = data + size; at < end;) {
    switch (*at++ % 7) {
      case 0: take(at, end, runs); break;
      case 1: take(at, end, engines); break;
      case 2: take(at, end, tasks); break;
      case 3: take(at, end, events); break;
      case 4: take(at, end, outcomes); break;
      case 5: take(at, end, errors); break;
      default: take(at, end, results); break;
    }
  }
  hdf5::silence_errors();
  {
    hdf5::handle file = hdf5::create_file(path.c_str(), true);
    if (!file) return 0;
    hdf5::write_text_attribute(file.get(), "format", schema::format_name);
    hdf5::write_attribute(file.get(), "version", H5T_NATIVE_UINT32, &schema::format_version);
    try {
      write(file.get(), schema::dataset::runs, runs);
      write(file.get(), schema::dataset::engines, engines);
      write(file.get(), schema::dataset::tasks, tasks);
      write(file.get(), schema::dataset::events, events);
      write(file.get(), schema::dataset::outcomes, outcomes);
      write(file.get(), schema::dataset::errors, errors);
      write(file.get(), schema::dataset::results, results);
    } catch (const std::exception&) {
      return 0;  // the writer refused: nothing to read
    }
    if (!file.close()) return 0;
  }
  try {
    const auto journal = taskhub_report::read_journal(path);
    for (auto which : {taskhub_report::selection::which::latest, taskhub_report::selection::which::all}) {
      taskhub_report::selection sel;
      sel.runs = which;
      const auto r = taskhub_report::analyse(journal, path, sel);
      std::FILE* null = std::fopen("/dev/null", "w");
      taskhub_report::print_text(r, null);
      taskhub_report::print_json(r, null);
      std::fclose(null);
      taskhub_report::write_svg(r, "/dev/null");
    }
  } catch (const taskhub_report::journal_error&) {  // refused, with a reason: fine
  }
  return 0;
}
