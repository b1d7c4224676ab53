// SPDX-License-Identifier: MIT
// Part of taskhub.
// Reads a task journal with the journal's own schema (lib/journal/schema.hpp). Fields are matched
// by name, so the writer's field order, padding and integer widths do not matter.

#include "journal_reader.hpp"

#include <hdf5.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "hdf5/attribute.hpp"
#include "hdf5/error_text.hpp"
#include "hdf5/file.hpp"
#include "hdf5/handle.hpp"

namespace taskhub_report {

namespace {

namespace hdf5 = taskhub::detail::hdf5;
namespace schema = taskhub::detail::schema;
using schema::text_of;

// Every row of the dataset `name`.
template <class Row>
std::vector<Row> rows_of(hid_t file, const char* name) {
  try {
    return schema::table_of<Row>(name).read(file);
  } catch (const std::runtime_error& e) {
    throw journal_error(e.what());
  }
}

// `e`, or none for a value the journal does not write.
event known(event e) {
  return e >= schema::first_event && e <= schema::last_event ? e : event::none;
}

// Checks the root attributes and that every dataset of the layout is there; returns the version.
std::uint32_t check_layout(hid_t file) {
  if (H5Aexists(file, "format") <= 0)
    throw journal_error("not a taskhub journal (no 'format' attribute)");
  const auto format = hdf5::read_text_attribute(file, "format");
  if (!format) throw journal_error("not a taskhub journal (attribute 'format' is not a string)");
  if (*format != schema::format_name) {
    throw journal_error("not a taskhub journal (format is '" + *format + "', not '" +
                        schema::format_name + "')");
  }
  if (H5Aexists(file, "version") <= 0)
    throw journal_error("not a taskhub journal (no 'version' attribute)");
  long long version = 0;
  if (!hdf5::read_attribute(file, "version", H5T_NATIVE_LLONG, &version))
    throw journal_error("not a taskhub journal (cannot read 'version' as a number)");
  if (version < schema::oldest_version || version > schema::format_version) {
    throw journal_error("journal version " + std::to_string(version) +
                        " is not supported (taskhub-report reads versions " +
                        std::to_string(schema::oldest_version) + " to " +
                        std::to_string(schema::format_version) + ")");
  }
  std::string missing;
  for (const char* name : schema::dataset::all) {
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
      missing += (missing.empty() ? "/" : ", /") + std::string(name);
  }
  if (!missing.empty()) throw journal_error("not a taskhub journal (no dataset " + missing + ")");
  return static_cast<std::uint32_t>(version);
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
  hdf5::silence_errors();  // our messages, not HDF5's error stack
  check_readable(path);
  journal j;
  const hdf5::handle file = hdf5::open_to_read(path, &j.is_swmr_open);
  if (!file) throw journal_error("HDF5 cannot open it (HDF5: " + hdf5::error_text() + ")");
  j.version = check_layout(file.get());

  for (const auto& r : rows_of<schema::run_row>(file.get(), schema::dataset::runs))
    j.runs.push_back({r.run, r.started, r.engines, text_of(r.host), text_of(r.command),
                      text_of(r.version)});
  for (const auto& e : rows_of<schema::engine_row>(file.get(), schema::dataset::engines))
    j.engines.push_back({e.run, e.rank, text_of(e.host)});
  for (const auto& t : rows_of<schema::task_row>(file.get(), schema::dataset::tasks))
    j.tasks.push_back(
        {t.run, t.id, text_of(t.function), t.submitted, t.target, t.origin, text_of(t.label)});
  if (H5Lexists(file.get(), schema::dataset::parents, H5P_DEFAULT) > 0) {
    for (const auto& p : rows_of<schema::parent_row>(file.get(), schema::dataset::parents))
      j.parents.push_back({p.run, p.id, p.parent});
  }
  for (const auto& e : rows_of<schema::event_row>(file.get(), schema::dataset::events))
    j.events.push_back({e.run, e.id, e.time, known(e.state), e.engine, e.attempt});
  for (const auto& o : rows_of<schema::outcome_row>(file.get(), schema::dataset::outcomes)) {
    j.outcomes.push_back({o.run, o.id, known(o.state), o.restored != 0, o.engine, o.started,
                          o.completed, o.retries});
  }
  for (const auto& e : rows_of<schema::error_row>(file.get(), schema::dataset::errors))
    j.errors.push_back({e.run, e.id, text_of(e.type), text_of(e.message)});
  return j;
}

}  // namespace taskhub_report
