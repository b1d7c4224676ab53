// SPDX-License-Identifier: MIT
// Part of taskhub.
// Reads a task journal through HDF5's C API. Fields are read one at a time by name, so the
// writer's field order, padding, integer widths and string lengths do not matter.

#include "journal_reader.hpp"

#include <hdf5.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <type_traits>

namespace taskhub_report {

const char* state_name(state s) {
  switch (s) {
    case state::dispatched:
      return "dispatched";
    case state::retried:
      return "retried";
    case state::done:
      return "done";
    case state::failed:
      return "failed";
    case state::cancelled:
      return "cancelled";
    case state::restored:
      return "restored";
    default:
      return "?";
  }
}

namespace {

// Owns one HDF5 identifier.
class h5_id {
 public:
  h5_id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  h5_id(const h5_id&) = delete;
  h5_id& operator=(const h5_id&) = delete;
  ~h5_id() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool is_valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// The innermost message on HDF5's error stack: the cause rather than the call that failed.
std::string hdf5_cause() {
  std::string cause;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
        if (e->desc && *e->desc) *static_cast<std::string*>(data) = e->desc;
        return 0;
      },
      &cause);
  H5Eclear2(H5E_DEFAULT);
  return cause.empty() ? std::string() : " (HDF5: " + cause + ")";
}

// One dataset of compound rows.
class table {
 public:
  table(hid_t file, const char* name)
      : name_(name),
        set_(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose),
        type_(set_.is_valid() ? H5Dget_type(set_.get()) : -1, H5Tclose) {
    if (!set_.is_valid()) throw journal_error("cannot open dataset " + name_ + hdf5_cause());
    if (H5Tget_class(type_.get()) != H5T_COMPOUND)
      throw journal_error(name_ + " is not a table of rows");
    h5_id space(H5Dget_space(set_.get()), H5Sclose);
    hsize_t dims[1] = {0};
    if (H5Sget_simple_extent_ndims(space.get()) != 1)
      throw journal_error(name_ + " is not one-dimensional");
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    rows_ = static_cast<std::size_t>(dims[0]);
  }
  std::size_t size() const { return rows_; }

  std::vector<std::uint32_t> u32(const char* f) {
    return numbers<std::uint32_t>(f, H5T_NATIVE_UINT32);
  }
  std::vector<std::int32_t> i32(const char* f) {
    return numbers<std::int32_t>(f, H5T_NATIVE_INT32);
  }
  std::vector<std::uint64_t> u64(const char* f) {
    return numbers<std::uint64_t>(f, H5T_NATIVE_UINT64);
  }
  std::vector<std::uint8_t> u8(const char* f) { return numbers<std::uint8_t>(f, H5T_NATIVE_UINT8); }
  std::vector<double> f64(const char* f) { return numbers<double>(f, H5T_NATIVE_DOUBLE); }

  std::vector<std::string> texts(const char* field) {
    h5_id file_type = member(field, H5T_STRING, "a string");
    if (H5Tis_variable_str(file_type.get()) > 0) {
      throw journal_error(name_ + ": field '" + field + "' is not a fixed-length string");
    }
    // One byte more than the file's strings, so every string ends in a NUL.
    const std::size_t width = H5Tget_size(file_type.get()) + 1;
    h5_id memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory.get(), width);
    H5Tset_strpad(memory.get(), H5T_STR_NULLTERM);
    std::vector<char> bytes(rows_ * width, '\0');
    read(field, memory.get(), width, bytes.data());
    std::vector<std::string> out(rows_);
    for (std::size_t i = 0; i < rows_; ++i) out[i] = std::string(&bytes[i * width]);
    return out;
  }

  // An HDF5 enum is matched by the names of doc/journal.md; a plain integer is taken as is.
  std::vector<state> states(const char* field) {
    const int index = H5Tget_member_index(type_.get(), field);
    if (index < 0) throw journal_error(name_ + " has no field '" + field + "'");
    h5_id file_type(H5Tget_member_type(type_.get(), static_cast<unsigned>(index)), H5Tclose);
    std::vector<std::uint8_t> raw;
    if (H5Tget_class(file_type.get()) == H5T_INTEGER) {
      raw = u8(field);
    } else if (H5Tget_class(file_type.get()) == H5T_ENUM) {
      h5_id memory(H5Tenum_create(H5T_NATIVE_UINT8), H5Tclose);
      const char* names[] = {"dispatched", "retried", "done", "failed", "cancelled", "restored"};
      for (std::uint8_t v = 1; v <= 6; ++v) H5Tenum_insert(memory.get(), names[v - 1], &v);
      raw.assign(rows_, 0);
      read(field, memory.get(), 1, raw.data());
    } else {
      throw journal_error(name_ + ": field '" + field + "' is not an enum");
    }
    std::vector<state> out(rows_);
    for (std::size_t i = 0; i < rows_; ++i) out[i] = raw[i] <= 6 ? state(raw[i]) : state::none;
    return out;
  }

 private:
  h5_id member(const char* field, H5T_class_t expected, const char* what) {
    const int index = H5Tget_member_index(type_.get(), field);
    if (index < 0) throw journal_error(name_ + " has no field '" + field + "'");
    if (H5Tget_member_class(type_.get(), static_cast<unsigned>(index)) != expected) {
      throw journal_error(name_ + ": field '" + field + "' is not " + what);
    }
    return h5_id(H5Tget_member_type(type_.get(), static_cast<unsigned>(index)), H5Tclose);
  }

  template <class T>
  std::vector<T> numbers(const char* field, hid_t memory_type) {
    const bool is_float = std::is_floating_point<T>::value;
    member(field, is_float ? H5T_FLOAT : H5T_INTEGER,
           is_float ? "a floating-point number" : "an integer");
    std::vector<T> out(rows_);
    read(field, memory_type, sizeof(T), out.data());
    return out;
  }

  // Reads one field of every row: a compound memory type with that field alone.
  void read(const char* field, hid_t memory_type, std::size_t size, void* out) {
    if (rows_ == 0) return;
    h5_id memory(H5Tcreate(H5T_COMPOUND, size), H5Tclose);
    H5Tinsert(memory.get(), field, 0, memory_type);
    if (H5Dread(set_.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
      throw journal_error(name_ + ": cannot read field '" + field + "'" + hdf5_cause());
    }
  }

  std::string name_;
  h5_id set_, type_;
  std::size_t rows_ = 0;
};

// The root attribute `name` as a string, fixed or variable length.
std::string string_attribute(hid_t file, const char* name) {
  h5_id attribute(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  h5_id type(H5Aget_type(attribute.get()), H5Tclose);
  h5_id space(H5Aget_space(attribute.get()), H5Sclose);
  if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw journal_error(std::string("not a taskhub journal (attribute '") + name +
                        "' is not a string)");
  }
  h5_id memory(H5Tcopy(H5T_C_S1), H5Tclose);
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Tset_size(memory.get(), H5T_VARIABLE);
    char* text = nullptr;
    if (H5Aread(attribute.get(), memory.get(), &text) < 0 || !text) return std::string();
    std::string out(text);
    H5free_memory(text);
    return out;
  }
  const std::size_t width = H5Tget_size(type.get()) + 1;
  H5Tset_size(memory.get(), width);
  std::vector<char> text(width, '\0');
  if (H5Aread(attribute.get(), memory.get(), text.data()) < 0) return std::string();
  return std::string(text.data());
}

// Checks the root attributes and that every dataset of the layout is there.
void check_layout(hid_t file) {
  if (H5Aexists(file, "format") <= 0)
    throw journal_error("not a taskhub journal (no 'format' attribute)");
  const std::string format = string_attribute(file, "format");
  if (format != "taskhub-journal") {
    throw journal_error("not a taskhub journal (format is '" + format +
                        "', not 'taskhub-journal')");
  }
  if (H5Aexists(file, "version") <= 0)
    throw journal_error("not a taskhub journal (no 'version' attribute)");
  h5_id attribute(H5Aopen(file, "version", H5P_DEFAULT), H5Aclose);
  long long version = 0;
  if (H5Aread(attribute.get(), H5T_NATIVE_LLONG, &version) < 0) {
    throw journal_error("not a taskhub journal (cannot read 'version' as a number)");
  }
  if (version != 1) {
    throw journal_error("journal version " + std::to_string(version) +
                        " is not supported (taskhub-report reads version 1)");
  }
  std::string missing;
  for (const char* name :
       {"/runs", "/engines", "/tasks", "/events", "/outcomes", "/errors", "/results"}) {
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
      missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (!missing.empty()) throw journal_error("not a taskhub journal (no dataset " + missing + ")");
}

// Says why `path` cannot be read at all, before HDF5 tries.
void check_readable(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw journal_error(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw journal_error("is a directory");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw journal_error(std::strerror(errno));
  std::fclose(f);
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw journal_error("not an HDF5 file");
  }
}

}  // namespace

journal read_journal(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // our messages, not HDF5's error stack
  check_readable(path);
  journal j;
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    // A writer that was killed leaves the SWMR flag set; a SWMR reader may open such a file.
    const std::string cause = hdf5_cause();
    id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
    if (id < 0) throw journal_error("HDF5 cannot open it" + cause);
    j.is_swmr_open = true;
  }
  h5_id file(id, H5Fclose);
  check_layout(file.get());

  table runs(file.get(), "/runs");
  {
    auto run = runs.u32("run");
    auto started = runs.f64("started");
    auto engines = runs.u32("engines");
    auto host = runs.texts("host");
    auto command = runs.texts("command");
    for (std::size_t i = 0; i < runs.size(); ++i) {
      j.runs.push_back({run[i], started[i], engines[i], host[i], command[i]});
    }
  }
  table engines(file.get(), "/engines");
  {
    auto run = engines.u32("run");
    auto rank = engines.i32("rank");
    auto host = engines.texts("host");
    for (std::size_t i = 0; i < engines.size(); ++i)
      j.engines.push_back({run[i], rank[i], host[i]});
  }
  table tasks(file.get(), "/tasks");
  {
    auto run = tasks.u32("run");
    auto task = tasks.u64("id");
    auto function = tasks.texts("function");
    auto submitted = tasks.f64("submitted");
    auto target = tasks.i32("target");
    auto origin = tasks.i32("origin");
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      j.tasks.push_back({run[i], task[i], function[i], submitted[i], target[i], origin[i]});
    }
  }
  table events(file.get(), "/events");
  {
    auto run = events.u32("run");
    auto task = events.u64("id");
    auto time = events.f64("time");
    auto what = events.states("state");
    auto engine = events.i32("engine");
    auto attempt = events.u32("attempt");
    for (std::size_t i = 0; i < events.size(); ++i) {
      j.events.push_back({run[i], task[i], time[i], what[i], engine[i], attempt[i]});
    }
  }
  table outcomes(file.get(), "/outcomes");
  {
    auto run = outcomes.u32("run");
    auto task = outcomes.u64("id");
    auto what = outcomes.states("state");
    auto restored = outcomes.u8("restored");
    auto engine = outcomes.i32("engine");
    auto started = outcomes.f64("started");
    auto completed = outcomes.f64("completed");
    auto retries = outcomes.u32("retries");
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      j.outcomes.push_back({run[i], task[i], what[i], restored[i] != 0, engine[i], started[i],
                            completed[i], retries[i]});
    }
  }
  table errors(file.get(), "/errors");
  {
    auto run = errors.u32("run");
    auto task = errors.u64("id");
    auto type = errors.texts("type");
    auto message = errors.texts("message");
    for (std::size_t i = 0; i < errors.size(); ++i)
      j.errors.push_back({run[i], task[i], type[i], message[i]});
  }
  return j;
}

}  // namespace taskhub_report
