// SPDX-License-Identifier: MIT
// Part of taskhub.
// make_journal: writes a small task journal with known contents, laid out as doc/journal.md says,
// for taskhub-report's tests (run.sh holds the numbers it expects).
//
//   make_journal PATH [MODE [N]]
//
// MODE is clean (the default), killed, wrong-format, no-errors, empty, or one of these:
//   killed         stops without closing the file, as a killed hub would: the SWMR flag stays set
//   retries N      adds a run 4 with one task retried N times (its errors left out, to keep the
//                  file small; N is 40,000 by default)
//   huge-extent    /events declares 2^40 rows that the file has no room for
//   format-nullterm, format-nullpad, format-spacepad, format-utf8, format-utf8-variable
//                  the format attribute as other writers store it: 15 bytes without a NUL,
//                  NUL-padded, space-padded to 20 bytes, UTF-8, UTF-8 of variable length
//   format-controls
//                  a format attribute with control characters (C0 and C1)
//   foreign-strings
//                  every string field in UTF-8 and NUL-padded, as h5py may write them, and task
//                  5's function name 128 bytes long, filling its field
//   odd-times      times that are not a number, or past any calendar
//   controls       error texts and a host name with C0 and C1 control characters, as UTF-8
//                  and as raw bytes
//   graph          run 3's tasks labelled ("echo 3 (line 3)") and with parents: 3 after 1 and 2,
//                  4 after 3, 5 following 3 (5 tasks, 4 dependencies, 3 levels)
//   version-2      the layout of journal version 2: /tasks without `label`, no /parents
//   version-2-of SOURCE
//                  the rows of the journal SOURCE (version 3, closed) in the layout of version 2,
//                  as a taskhub of that version would have written them

#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hdf5/attribute.hpp"
#include "hdf5/error_text.hpp"
#include "hdf5/file.hpp"
#include "hdf5/handle.hpp"
#include "hdf5/table.hpp"
#include "journal/schema.hpp"

namespace {

namespace hdf5 = taskhub::detail::hdf5;
namespace schema = taskhub::detail::schema;
using namespace taskhub::detail::schema;  // the rows, their fields' texts and the events

constexpr double t0 = 1700000000.0;  // 2023-11-14 22:13:20 UTC

constexpr event dispatched = event::dispatched, retried = event::retried, done = event::done,
                failed = event::failed, cancelled = event::cancelled, restored = event::restored;

// `row`, a compound type, with its strings in UTF-8 and NUL-padded, as h5py may write them.
hdf5::handle foreign_strings(hid_t row) {
  hdf5::compound out(H5Tget_size(row));
  for (unsigned i = 0; i < static_cast<unsigned>(H5Tget_nmembers(row)); ++i) {
    char* name = H5Tget_member_name(row, i);
    hdf5::handle type(H5Tget_member_type(row, i));
    if (H5Tget_class(type.get()) == H5T_STRING) {
      H5Tset_cset(type.get(), H5T_CSET_UTF8);
      H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    }
    out.add(name, H5Tget_member_offset(row, i), type.get());
    H5free_memory(name);
  }
  return out.take();
}

// An empty dataset of `Row`s, chunked and extendable. The file keeps the rows packed, without
// padding, unlike the journal: the reader matches fields by name. With `is_foreign`, its
// strings are as foreign_strings() has them.
template <class Row>
hdf5::table<Row> create_packed(hid_t file, const char* name, bool is_foreign) {
  auto table = is_foreign ? hdf5::table<Row>(name, foreign_strings(schema::table_of<Row>(name)
                                                                       .row_type()))
                          : schema::table_of<Row>(name);
  hdf5::handle packed(H5Tcopy(table.row_type()));
  H5Tpack(packed.get());
  table.create(file, 64, packed.get());
  return table;
}

// `row`, a compound type, without its field `name`: a row of an older layout.
hdf5::handle without(hid_t row, const char* name) {
  hdf5::compound out(H5Tget_size(row));
  for (unsigned i = 0; i < static_cast<unsigned>(H5Tget_nmembers(row)); ++i) {
    char* field = H5Tget_member_name(row, i);
    hdf5::handle type(H5Tget_member_type(row, i));
    if (std::strcmp(field, name) != 0) out.add(field, H5Tget_member_offset(row, i), type.get());
    H5free_memory(field);
  }
  return out.take();
}

// The format attribute as other writers store it (see the modes above).
void write_format(hid_t file, const std::string& mode) {
  std::string text = schema::format_name;
  hdf5::handle type(H5Tcopy(H5T_C_S1));
  if (mode == "format-utf8-variable") {
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const char* value = text.c_str();
    hdf5::write_attribute(file, "format", type.get(), &value);
    return;
  }
  H5Tset_strpad(type.get(), mode == "format-nullterm"   ? H5T_STR_NULLTERM
                            : mode == "format-spacepad" ? H5T_STR_SPACEPAD
                                                        : H5T_STR_NULLPAD);
  if (mode == "format-utf8") H5Tset_cset(type.get(), H5T_CSET_UTF8);
  if (mode == "format-spacepad") text.resize(20, ' ');
  if (mode == "format-controls") text = "taskhub\x1b[2J\xc2\x9b" "31m\xc2\x85journal";
  H5Tset_size(type.get(), text.size());  // no room for a NUL
  hdf5::write_attribute(file, "format", type.get(), text.data());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_journal PATH [clean|killed|wrong-format|no-errors|empty]\n");
    return 2;
  }
  const std::string mode = argc > 2 ? argv[2] : "clean";

  std::vector<run_row> runs(3);
  runs[0] = {1, t0, 2, {}, {}, {}, {}};
  runs[1] = {2, t0 + 50, 1, {}, {}, {}, {}};
  runs[2] = {3, t0 + 100, 2, {}, {}, {}, {}};
  for (auto& r : runs) {
    copy_text(r.host, "hub-host");
    copy_text(r.version, r.run == 3 ? "0.2.0" : "0.1.0");
    copy_text(r.command, r.run == 1 ? "./prog --taskhub-journal=test.h5"
                               : "./prog --taskhub-journal=test.h5 --taskhub-resume");
  }
  std::vector<engine_row> engines(5);
  engines[0] = {1, 1, {}};
  engines[1] = {1, 2, {}};
  engines[2] = {2, 1, {}};
  engines[3] = {3, 1, {}};
  engines[4] = {3, 2, {}};
  const char* engine_hosts[] = {"node-a", "node-b", "node-a", "node-a", "node-c"};
  for (std::size_t i = 0; i < engines.size(); ++i) copy_text(engines[i].host, engine_hosts[i]);

  std::vector<task_row> tasks;
  std::vector<event_row> events;
  std::vector<outcome_row> outcomes;
  std::vector<std::uint8_t> results;
  const auto task = [&](std::uint32_t run, std::uint64_t id, const char* function,
                        double submitted) {
    task_row t{run, id, {}, id * 1000 + 7, 0, t0 + submitted, -1, 0, {}};
    copy_text(t.function, function);
    tasks.push_back(t);
  };
  // A task that ran once on `engine` from `started` to `completed` (seconds after t0).
  const auto ran = [&](std::uint32_t run, std::uint64_t id, std::int32_t engine, double started,
                       double completed, event how, std::uint32_t attempt) {
    events.push_back({run, id, t0 + started, dispatched, engine, attempt});
    events.push_back({run, id, t0 + completed, how, engine, attempt});
    const std::uint64_t size = how == done ? 8 : 0;
    outcomes.push_back(
        {run, id, how, 0, engine, t0 + started, t0 + completed, attempt - 1, results.size(), size});
    results.resize(results.size() + size, static_cast<std::uint8_t>(id));
  };

  // Run 1: two engines, ten tasks, two failures (task 7 after one retry); wall span 10 s,
  // engine 1 busy 8 s, engine 2 busy 6 s.
  const char* functions[] = {"integrate", "integrate", "integrate", "parse",     "integrate",
                             "integrate", "flaky",     "integrate", "integrate", "integrate"};
  for (std::uint64_t id = 1; id <= 10; ++id)
    task(1, id, functions[id - 1], 0.01 * static_cast<double>(id - 1));
  ran(1, 1, 1, 0.5, 2.5, done, 1);
  ran(1, 2, 2, 0.5, 1.5, done, 1);
  ran(1, 4, 2, 1.5, 2.0, failed, 1);
  ran(1, 3, 1, 2.5, 3.5, done, 1);
  ran(1, 5, 2, 2.0, 5.0, done, 1);
  ran(1, 6, 1, 3.5, 4.0, done, 1);
  events.push_back({1, 7, t0 + 4.0, dispatched, 1, 1});
  events.push_back({1, 7, t0 + 4.5, retried, 1, 1});
  ran(1, 7, 2, 5.0, 5.5, failed, 2);
  ran(1, 8, 1, 4.5, 7.0, done, 1);
  ran(1, 9, 1, 7.0, 9.0, done, 1);
  ran(1, 10, 2, 9.0, 10.0, done, 1);
  std::vector<error_row> errors(3);
  errors[0] = {1, 4, {}, {}};
  errors[1] = {1, 7, {}, {}};
  errors[2] = {1, 7, {}, {}};
  copy_text(errors[0].type, "std::invalid_argument");
  copy_text(errors[0].message, "bad input \"4\": expected <x> & 'y'");
  copy_text(errors[1].type, "std::runtime_error");
  copy_text(errors[1].message, "flaky once");
  copy_text(errors[2].type, "std::runtime_error");
  copy_text(errors[2].message, "flaky twice: caf\xc3\xa9\nsee the log");

  // Run 2: one engine; task 1 restored (recorded with the state `restored`), task 2 ran 0.8 s in
  // a wall span of 1 s.
  task(2, 1, "integrate", 50.0);
  task(2, 2, "parse", 50.1);
  events.push_back({2, 1, t0 + 50.0, restored, -1, 0});
  outcomes.push_back({2, 1, restored, 1, -1, 0, 0, 0, 0, 8});
  ran(2, 2, 1, 50.2, 51.0, done, 1);

  // Run 3, the latest: two restored, one done, one cancelled before it ran, one without an
  // outcome (dispatched when the writer stopped). Here restored outcomes keep the state, engine
  // and times of the run that ran them, with `restored` = 1; a restored failure has its error.
  task(3, 1, "integrate", 100.0);
  task(3, 2, "parse", 100.0);
  task(3, 3, "parse", 100.1);
  task(3, 4, "flaky", 100.1);
  task(3, 5, "integrate", 100.2);
  events.push_back({3, 1, t0 + 100.0, restored, 1, 0});
  outcomes.push_back({3, 1, done, 1, 1, t0 + 0.5, t0 + 2.5, 0, 0, 8});
  events.push_back({3, 2, t0 + 100.0, restored, 2, 0});
  outcomes.push_back({3, 2, failed, 1, 2, t0 + 1.5, t0 + 2.0, 0, 0, 0});
  errors.push_back({3, 2, {}, {}});
  copy_text(errors.back().type, "std::invalid_argument");
  copy_text(errors.back().message, "bad input \"4\": expected <x> & 'y'");
  ran(3, 3, 1, 100.5, 101.5, done, 1);
  events.push_back({3, 4, t0 + 100.3, cancelled, -1, 0});
  outcomes.push_back({3, 4, cancelled, 0, -1, 0, 0, 0, 0, 0});
  errors.push_back({3, 4, {}, {}});
  copy_text(errors.back().type, "taskhub::task_aborted");
  copy_text(errors.back().message, "task 4 was aborted before it started");
  events.push_back({3, 5, t0 + 101.0, dispatched, 2, 1});

  if (mode == "foreign-strings") {  // task 5's function fills its field, without a NUL
    std::string name = "integrate";
    name.resize(sizeof tasks[4].function, '_');
    std::memcpy(tasks[4].function, name.data(), name.size());
  }
  if (mode == "odd-times") {  // times no clock gives: not a number, past any calendar
    const double nan = std::numeric_limits<double>::quiet_NaN();
    runs[0].started = 1e300;
    for (auto& e : events) {
      if (e.run == 1 && e.id == 7 && e.state == retried) e.time = nan;
    }
    for (std::uint64_t id = 6; id < 70; ++id) {  // unfinished, dispatched at no time or at any
      task(3, id, "integrate", 100.3);
      events.push_back({3, id, id % 2 ? nan : t0 + 100 + 1e-3 * static_cast<double>(id % 7),
                        dispatched, 1, 1});
    }
  }
  if (mode == "controls") {  // ESC, C1 as UTF-8 (NEL, CSI), C1 as raw bytes, DEL
    copy_text(errors[0].message,
              "esc \x1b[31m nel \xc2\x85 csi \xc2\x9b" "2J raw \x85\x9b del \x7f");
    copy_text(errors[0].type, "type\xc2\x9b");
    copy_text(engines[3].host, "node-\xc2\x9b" "1m");
  }
  if (mode == "retries") {
    const std::uint64_t n = argc > 3 ? std::stoull(argv[3]) : 40000;
    runs.push_back({4, t0 + 200, 2, {}, {}, {}, {}});
    engines.push_back({4, 1, {}});
    task(4, 1, "flaky", 200);
    for (std::uint32_t k = 1; k <= n; ++k) {
      const double at = 200 + 1e-4 * k;
      events.push_back({4, 1, t0 + at, dispatched, 1, k});
      events.push_back({4, 1, t0 + at + 5e-5, retried, 1, k});
    }
    const auto last = static_cast<std::uint32_t>(n + 1);
    ran(4, 1, 1, 200 + 1e-4 * (n + 1), 200 + 1e-4 * (n + 2), done, last);
  }
  if (mode == "version-2-of") {
    if (argc < 4) {
      std::fprintf(stderr, "make_journal: version-2-of needs the journal to copy\n");
      return 2;
    }
    hdf5::silence_errors();
    const hdf5::handle source = hdf5::open_to_read(argv[3]);
    if (!source) {
      std::fprintf(stderr, "make_journal: cannot open %s\n", argv[3]);
      return 1;
    }
    try {
      runs = schema::table_of<run_row>(dataset::runs).read(source.get());
      engines = schema::table_of<engine_row>(dataset::engines).read(source.get());
      tasks = schema::table_of<task_row>(dataset::tasks).read(source.get());
      events = schema::table_of<event_row>(dataset::events).read(source.get());
      outcomes = schema::table_of<outcome_row>(dataset::outcomes).read(source.get());
      errors = schema::table_of<error_row>(dataset::errors).read(source.get());
      results = schema::table_of<std::uint8_t>(dataset::results).read(source.get());
    } catch (const std::runtime_error& e) {
      std::fprintf(stderr, "make_journal: %s: %s\n", argv[3], e.what());
      return 1;
    }
  }
  const bool is_version_2 = mode == "version-2" || mode == "version-2-of";
  std::vector<parent_row> parents;
  if (mode == "graph") {
    for (auto& t : tasks)
      if (t.run == 3) copy_text(t.label, "echo " + std::to_string(t.id) + " (line " + std::to_string(t.id) + ")");
    parents = {{3, 3, 1}, {3, 3, 2}, {3, 4, 3}, {3, 5, 3}};
  }
  if (mode == "empty") {  // a journal whose run has not started: every dataset, no rows
    runs.clear();
    engines.clear();
    tasks.clear();
    events.clear();
    outcomes.clear();
    errors.clear();
    results.clear();
  }

  hdf5::silence_errors();
  hdf5::handle file = hdf5::create_file(argv[1], true);  // SWMR needs the latest format
  if (!file) {
    std::fprintf(stderr, "make_journal: cannot create %s\n", argv[1]);
    return 1;
  }
  if (mode.rfind("format-", 0) == 0) {
    write_format(file.get(), mode);
  } else {
    hdf5::write_text_attribute(file.get(), "format",
                               mode == "wrong-format" ? "something-else" : schema::format_name);
  }
  const std::uint32_t version = is_version_2 ? 2 : schema::format_version;
  hdf5::write_attribute(file.get(), "version", H5T_NATIVE_UINT32, &version);
  try {
    // Datasets first, then SWMR writing, then the rows, as the hub does.
    const bool is_foreign = mode == "foreign-strings";
    auto run_d = create_packed<run_row>(file.get(), dataset::runs, is_foreign);
    auto engine_d = create_packed<engine_row>(file.get(), dataset::engines, is_foreign);
    auto task_d = is_version_2
                      ? hdf5::table<task_row>(dataset::tasks,
                                              without(schema::table_of<task_row>(dataset::tasks)
                                                          .row_type(),
                                                      "label"))
                      : create_packed<task_row>(file.get(), dataset::tasks, is_foreign);
    if (is_version_2) task_d.create(file.get(), 64);
    std::optional<hdf5::table<parent_row>> parent_d;
    if (!is_version_2)
      parent_d = create_packed<parent_row>(file.get(), dataset::parents, is_foreign);
    auto event_d = create_packed<event_row>(file.get(), dataset::events, is_foreign);
    auto outcome_d = create_packed<outcome_row>(file.get(), dataset::outcomes, is_foreign);
    std::optional<hdf5::table<error_row>> error_d;
    if (mode != "no-errors") error_d = create_packed<error_row>(file.get(), dataset::errors, is_foreign);
    auto result_d = schema::table_of<std::uint8_t>(dataset::results);
    result_d.create(file.get(), 64);
    if (H5Fstart_swmr_write(file.get()) < 0)
      std::fprintf(stderr, "make_journal: cannot start SWMR writing\n");
    run_d.append(runs);
    engine_d.append(engines);
    task_d.append(tasks);
    if (parent_d) parent_d->append(parents);
    event_d.append(events);
    outcome_d.append(outcomes);
    if (error_d) error_d->append(errors);
    result_d.append(results);
    if (mode == "huge-extent") {  // rows the file has no room for: their chunks were never written
      const hsize_t rows = hsize_t{1} << 40;
      hdf5::handle set(H5Dopen2(file.get(), dataset::events, H5P_DEFAULT));
      if (H5Dset_extent(set.get(), &rows) < 0) std::fprintf(stderr, "make_journal: no extent\n");
    }
    H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
    if (mode == "killed") _exit(0);  // no close: the file keeps its SWMR-writing flag
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "make_journal: %s\n", e.what());
    return 1;
  }
  return file.close() ? 0 : 1;
}
