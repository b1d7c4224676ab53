// SPDX-License-Identifier: MIT
// Part of taskhub.
// Reading the --taskhub-* flags and TASKHUB_* variables.
#include "run/settings.hpp"

#include <cstdlib>
#include <cstring>

namespace taskhub::detail {
namespace {

// A flag given as --taskhub-NAME=VALUE (or bare, as "1"), else the variable TASKHUB_NAME, else "".
std::string value_of(int argc, char** argv, const char* flag, const char* variable) {
  const std::string bare = std::string("--taskhub-") + flag, prefix = bare + "=";
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == bare) return "1";
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return argv[i] + prefix.size();
  }
  if (const char* v = std::getenv(variable)) return v;
  return "";
}

std::string variable(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A whole number, or `otherwise` when unset.
long number_or(const std::string& v, long otherwise) {
  return v.empty() ? otherwise : std::atol(v.c_str());
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at <= s.size()) {
    const auto comma = std::min(s.find(',', at), s.size());
    if (comma > at) parts.push_back(s.substr(at, comma - at));
    at = comma + 1;
  }
  return parts;
}

}  // namespace

settings read_settings(int argc, char** argv, const run_options& opts) {
  settings s;
  const long hwm = opts.hwm >= 0 ? opts.hwm : number_or(value_of(argc, argv, "hwm", "TASKHUB_HWM"), -1);
  if (hwm >= 0) s.hwm = static_cast<int>(hwm);
  s.scheme = value_of(argc, argv, "scheme", "TASKHUB_SCHEME");
  s.local_engines = opts.local_engines > 0
                        ? opts.local_engines
                        : static_cast<int>(number_or(value_of(argc, argv, "engines", "TASKHUB_ENGINES"), 0));
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--taskhub-journal") == 0)
      s.bad_journal_flag = "--taskhub-journal needs a path: --taskhub-journal=PATH";
  s.journal = !opts.journal.empty() ? opts.journal : value_of(argc, argv, "journal", "TASKHUB_JOURNAL");
  s.resume = value_of(argc, argv, "resume", "TASKHUB_RESUME");
  s.journal_flush = value_of(argc, argv, "journal-flush", "TASKHUB_JOURNAL_FLUSH");
  s.is_storing_results = value_of(argc, argv, "journal-results", "TASKHUB_JOURNAL_RESULTS") != "0";
  s.retain_bytes = static_cast<std::size_t>(std::strtoull(
                       variable("TASKHUB_RETAIN_MB").empty() ? "64" : variable("TASKHUB_RETAIN_MB").c_str(),
                       nullptr, 10))
                   << 20;
  s.is_lanes_on = variable("TASKHUB_LANES") != "0";
  s.yield_for = std::chrono::microseconds(number_or(variable("TASKHUB_YIELD_US"), 2000));
  s.client_spin = std::chrono::microseconds(number_or(variable("TASKHUB_CLIENT_SPIN_US"), 50));
  s.engine_tags = split_commas(variable("TASKHUB_ENGINE_TAGS"));
  for (int i = 0; i < argc; ++i) s.command += (i ? " " : "") + std::string(argv[i]);
  return s;
}

std::string decided_on_rank_0(const settings& s) {
  return "--taskhub-hwm=" + std::to_string(s.hwm) + "\n--taskhub-scheme=" + s.scheme +
         "\n--taskhub-engines=" + std::to_string(s.local_engines) + "\n--taskhub-journal=" +
         s.journal + "\n--taskhub-resume=" + s.resume + "\n--taskhub-journal-flush=" +
         s.journal_flush + "\n--taskhub-journal-results=" + (s.is_storing_results ? "1" : "0") +
         "\nTASKHUB_RETAIN_MB=" + std::to_string(s.retain_bytes >> 20) + "\n";
}

}  // namespace taskhub::detail
