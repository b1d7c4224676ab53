// SPDX-License-Identifier: MIT
// Part of taskhub.
// make_journal: writes a small task journal with known contents, laid out as doc/journal.md says,
// for taskhub-report's tests (run.sh holds the numbers it expects).
//
//   make_journal PATH [clean | killed | wrong-format | no-errors | empty]
//
// killed stops without closing the file, as a killed hub would, so the SWMR flag stays set.

#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr double t0 = 1700000000.0;  // 2023-11-14 22:13:20 UTC

enum state : std::uint8_t { dispatched = 1, retried, done, failed, cancelled, restored };

struct run_row {
  std::uint32_t run;
  double started;
  std::uint32_t engines;
  char host[64], command[256];
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
  char type[64], message[448];
};

template <std::size_t N>
void copy(char (&to)[N], const std::string& from) {
  std::memset(to, 0, N);
  std::strncpy(to, from.c_str(), N - 1);
}

hid_t text(std::size_t n) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, n);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  return t;
}

hid_t state_type() {
  hid_t t = H5Tenum_create(H5T_NATIVE_UINT8);
  const char* names[] = {"dispatched", "retried", "done", "failed", "cancelled", "restored"};
  for (std::uint8_t v = 1; v <= 6; ++v) H5Tenum_insert(t, names[v - 1], &v);
  return t;
}

struct field {
  const char* name;
  std::size_t offset;
  hid_t type;
};

hid_t compound(std::size_t size, const std::vector<field>& fields) {
  hid_t t = H5Tcreate(H5T_COMPOUND, size);
  for (const auto& f : fields) H5Tinsert(t, f.name, f.offset, f.type);
  return t;
}

// An empty, chunked, extendable dataset; the file keeps the rows packed, without padding.
hid_t create(hid_t file, const char* name, hid_t memory_type) {
  hsize_t dims[1] = {0}, max[1] = {H5S_UNLIMITED}, chunk[1] = {64};
  hid_t space = H5Screate_simple(1, dims, max);
  hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(plist, 1, chunk);
  hid_t file_type = H5Tcopy(memory_type);
  H5Tpack(file_type);
  hid_t set = H5Dcreate2(file, name, file_type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  H5Tclose(file_type);
  H5Pclose(plist);
  H5Sclose(space);
  return set;
}

void append(hid_t set, hid_t memory_type, const void* rows, std::size_t n) {
  hsize_t size[1] = {n}, start[1] = {0};
  H5Dset_extent(set, size);
  hid_t file_space = H5Dget_space(set);
  H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, size, nullptr);
  hid_t memory_space = H5Screate_simple(1, size, nullptr);
  if (n > 0 && H5Dwrite(set, memory_type, memory_space, file_space, H5P_DEFAULT, rows) < 0) {
    std::fprintf(stderr, "make_journal: cannot write\n");
  }
  H5Sclose(memory_space);
  H5Sclose(file_space);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_journal PATH [clean|killed|wrong-format|no-errors|empty]\n");
    return 2;
  }
  const std::string mode = argc > 2 ? argv[2] : "clean";

  std::vector<run_row> runs(3);
  runs[0] = {1, t0, 2, {}, {}};
  runs[1] = {2, t0 + 50, 1, {}, {}};
  runs[2] = {3, t0 + 100, 2, {}, {}};
  for (auto& r : runs) {
    copy(r.host, "hub-host");
    copy(r.command, r.run == 1 ? "./prog --taskhub-journal=test.h5"
                               : "./prog --taskhub-journal=test.h5 --taskhub-resume");
  }
  std::vector<engine_row> engines(5);
  engines[0] = {1, 1, {}};
  engines[1] = {1, 2, {}};
  engines[2] = {2, 1, {}};
  engines[3] = {3, 1, {}};
  engines[4] = {3, 2, {}};
  const char* engine_hosts[] = {"node-a", "node-b", "node-a", "node-a", "node-c"};
  for (std::size_t i = 0; i < engines.size(); ++i) copy(engines[i].host, engine_hosts[i]);

  std::vector<task_row> tasks;
  std::vector<event_row> events;
  std::vector<outcome_row> outcomes;
  std::vector<std::uint8_t> results;
  const auto task = [&](std::uint32_t run, std::uint64_t id, const char* function,
                        double submitted) {
    task_row t{run, id, {}, id * 1000 + 7, 0, t0 + submitted, -1, 0};
    copy(t.function, function);
    tasks.push_back(t);
  };
  // A task that ran once on `engine` from `started` to `completed` (seconds after t0).
  const auto ran = [&](std::uint32_t run, std::uint64_t id, std::int32_t engine, double started,
                       double completed, std::uint8_t how, std::uint32_t attempt) {
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
  copy(errors[0].type, "std::invalid_argument");
  copy(errors[0].message, "bad input \"4\": expected <x> & 'y'");
  copy(errors[1].type, "std::runtime_error");
  copy(errors[1].message, "flaky once");
  copy(errors[2].type, "std::runtime_error");
  copy(errors[2].message, "flaky twice: caf\xc3\xa9\nsee the log");

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
  copy(errors.back().type, "std::invalid_argument");
  copy(errors.back().message, "bad input \"4\": expected <x> & 'y'");
  ran(3, 3, 1, 100.5, 101.5, done, 1);
  events.push_back({3, 4, t0 + 100.3, cancelled, -1, 0});
  outcomes.push_back({3, 4, cancelled, 0, -1, 0, 0, 0, 0, 0});
  errors.push_back({3, 4, {}, {}});
  copy(errors.back().type, "taskhub::task_aborted");
  copy(errors.back().message, "task 4 was aborted before it started");
  events.push_back({3, 5, t0 + 101.0, dispatched, 2, 1});

  if (mode == "empty") {  // a journal whose run has not started: every dataset, no rows
    runs.clear();
    engines.clear();
    tasks.clear();
    events.clear();
    outcomes.clear();
    errors.clear();
    results.clear();
  }

  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);  // SWMR needs it
  hid_t file = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (file < 0) {
    std::fprintf(stderr, "make_journal: cannot create %s\n", argv[1]);
    return 1;
  }
  {
    hid_t space = H5Screate(H5S_SCALAR);
    const std::string format = mode == "wrong-format" ? "something-else" : "taskhub-journal";
    hid_t type = text(format.size());
    hid_t a = H5Acreate2(file, "format", type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, format.c_str());
    H5Aclose(a);
    const std::uint32_t version = 1;
    a = H5Acreate2(file, "version", H5T_STD_U32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_UINT32, &version);
    H5Aclose(a);
    H5Tclose(type);
    H5Sclose(space);
  }

  const hid_t host = text(64), command = text(256), function = text(128), type = text(64),
              message = text(448), st = state_type();
  const hid_t run_t =
      compound(sizeof(run_row), {{"run", HOFFSET(run_row, run), H5T_NATIVE_UINT32},
                                 {"started", HOFFSET(run_row, started), H5T_NATIVE_DOUBLE},
                                 {"engines", HOFFSET(run_row, engines), H5T_NATIVE_UINT32},
                                 {"host", HOFFSET(run_row, host), host},
                                 {"command", HOFFSET(run_row, command), command}});
  const hid_t engine_t =
      compound(sizeof(engine_row), {{"run", HOFFSET(engine_row, run), H5T_NATIVE_UINT32},
                                    {"rank", HOFFSET(engine_row, rank), H5T_NATIVE_INT32},
                                    {"host", HOFFSET(engine_row, host), host}});
  const hid_t task_t =
      compound(sizeof(task_row), {{"run", HOFFSET(task_row, run), H5T_NATIVE_UINT32},
                                  {"id", HOFFSET(task_row, id), H5T_NATIVE_UINT64},
                                  {"function", HOFFSET(task_row, function), function},
                                  {"args_hash", HOFFSET(task_row, args_hash), H5T_NATIVE_UINT64},
                                  {"occurrence", HOFFSET(task_row, occurrence), H5T_NATIVE_UINT32},
                                  {"submitted", HOFFSET(task_row, submitted), H5T_NATIVE_DOUBLE},
                                  {"target", HOFFSET(task_row, target), H5T_NATIVE_INT32},
                                  {"origin", HOFFSET(task_row, origin), H5T_NATIVE_INT32}});
  const hid_t event_t =
      compound(sizeof(event_row), {{"run", HOFFSET(event_row, run), H5T_NATIVE_UINT32},
                                   {"id", HOFFSET(event_row, id), H5T_NATIVE_UINT64},
                                   {"time", HOFFSET(event_row, time), H5T_NATIVE_DOUBLE},
                                   {"state", HOFFSET(event_row, state), st},
                                   {"engine", HOFFSET(event_row, engine), H5T_NATIVE_INT32},
                                   {"attempt", HOFFSET(event_row, attempt), H5T_NATIVE_UINT32}});
  const hid_t outcome_t =
      compound(sizeof(outcome_row),
               {{"run", HOFFSET(outcome_row, run), H5T_NATIVE_UINT32},
                {"id", HOFFSET(outcome_row, id), H5T_NATIVE_UINT64},
                {"state", HOFFSET(outcome_row, state), st},
                {"restored", HOFFSET(outcome_row, restored), H5T_NATIVE_UINT8},
                {"engine", HOFFSET(outcome_row, engine), H5T_NATIVE_INT32},
                {"started", HOFFSET(outcome_row, started), H5T_NATIVE_DOUBLE},
                {"completed", HOFFSET(outcome_row, completed), H5T_NATIVE_DOUBLE},
                {"retries", HOFFSET(outcome_row, retries), H5T_NATIVE_UINT32},
                {"result_offset", HOFFSET(outcome_row, result_offset), H5T_NATIVE_UINT64},
                {"result_size", HOFFSET(outcome_row, result_size), H5T_NATIVE_UINT64}});
  const hid_t error_t =
      compound(sizeof(error_row), {{"run", HOFFSET(error_row, run), H5T_NATIVE_UINT32},
                                   {"id", HOFFSET(error_row, id), H5T_NATIVE_UINT64},
                                   {"type", HOFFSET(error_row, type), type},
                                   {"message", HOFFSET(error_row, message), message}});

  // Datasets first, then SWMR writing, then the rows, as the hub does.
  const hid_t run_d = create(file, "/runs", run_t), engine_d = create(file, "/engines", engine_t),
              task_d = create(file, "/tasks", task_t), event_d = create(file, "/events", event_t),
              outcome_d = create(file, "/outcomes", outcome_t),
              error_d = mode == "no-errors" ? -1 : create(file, "/errors", error_t),
              result_d = create(file, "/results", H5T_NATIVE_UINT8);
  if (H5Fstart_swmr_write(file) < 0)
    std::fprintf(stderr, "make_journal: cannot start SWMR writing\n");
  append(run_d, run_t, runs.data(), runs.size());
  append(engine_d, engine_t, engines.data(), engines.size());
  append(task_d, task_t, tasks.data(), tasks.size());
  append(event_d, event_t, events.data(), events.size());
  append(outcome_d, outcome_t, outcomes.data(), outcomes.size());
  if (error_d >= 0) append(error_d, error_t, errors.data(), errors.size());
  append(result_d, H5T_NATIVE_UINT8, results.data(), results.size());
  H5Fflush(file, H5F_SCOPE_GLOBAL);
  if (mode == "killed") _exit(0);  // no close: the file keeps its SWMR-writing flag

  for (hid_t d : {run_d, engine_d, task_d, event_d, outcome_d, error_d, result_d}) {
    if (d >= 0) H5Dclose(d);
  }
  for (hid_t t : {host, command, function, type, message, st, run_t, engine_t, task_t, event_t,
                  outcome_t, error_t}) {
    H5Tclose(t);
  }
  H5Pclose(fapl);
  return H5Fclose(file) < 0 ? 1 : 0;
}
