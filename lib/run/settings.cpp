// SPDX-License-Identifier: MIT
// Part of taskhub.
// Reading the --taskhub-* flags and TASKHUB_* variables.
#include "run/settings.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>

namespace taskhub::detail {
namespace {

// taskhub's flags, as --taskhub-NAME=VALUE, and what each accepts.
struct flag_spec {
  const char* name;
  const char* variable;
  const char* accepts;
};
constexpr flag_spec flags[] = {
    {"hwm", "TASKHUB_HWM", "a whole number from 0 (no limit) to 1000000"},
    {"scheme", "TASKHUB_SCHEME", "lru, plainrandom, twobin, leastload, weighted or warm"},
    {"engines", "TASKHUB_ENGINES", "a whole number from 1 to 4096"},
    {"journal", "TASKHUB_JOURNAL", "a path"},
    {"resume", "TASKHUB_RESUME", "nothing, 1, 0 or retry-failed"},
    {"journal-flush", "TASKHUB_JOURNAL_FLUSH", "seconds, from 0 to 86400"},
    {"journal-results", "TASKHUB_JOURNAL_RESULTS", "0 or 1"},
    {"watchdog", "TASKHUB_WATCHDOG", "seconds, from 0.01 to 86400, or 0 for none"},
    {"watchdog-dot", "TASKHUB_WATCHDOG_DOT", "a path"},
    {"journal-sync", "TASKHUB_JOURNAL_SYNC", "nothing, 1 or 0"},
    {"accept-rebuild", "TASKHUB_ACCEPT_REBUILD", "nothing, 1 or 0"},
    {"log", "TASKHUB_LOG", "quiet, info or debug"},
    {"isolate", "TASKHUB_ISOLATE", "off, on-request or all"},
    {"task-memory", "TASKHUB_TASK_MEMORY",
     "a size from 16M to 1P, in bytes or with K, M, G, T or P (1024-based), such as 512M"},
    {"share-budget", "TASKHUB_SHARE_BUDGET",
     "a size from 0 (no limit) to 1P, in bytes or with K, M, G, T or P (1024-based)"},
    {"cache-threshold", "TASKHUB_CACHE_THRESHOLD",
     "a size from 0 (off) to 1P, in bytes or with K, M, G, T or P (1024-based)"},
    {"node-size", "TASKHUB_NODE_SIZE", "a whole number from 0 (the real nodes) to 1000000"},
    {"fanout", "TASKHUB_FANOUT", "a whole number from 0 (a flat hub) to 1000000"},
    {"refill", "TASKHUB_REFILL", "pull or push"},
    {"steal", "TASKHUB_STEAL", "0 or 1"},
    {"locality", "TASKHUB_LOCALITY", "0 or 1"},
    {"node-objects", "TASKHUB_NODE_OBJECTS", "0 or 1"},
};

// The flag named `name`; a name missing from the table is a mistake in this file.
constexpr const flag_spec& flag(std::string_view name) {
  for (const auto& f : flags)
    if (name == f.name) return f;
  throw "a flag missing from the table";
}

std::string every_flag() {
  std::string all;
  for (const auto& f : flags) all += std::string(all.empty() ? "" : ", ") + "--taskhub-" + f.name;
  return all;
}

std::string variable(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Records the first problem only: one line is what the user reads.
void note(std::string& problem, std::string what) {
  if (problem.empty()) problem = std::move(what);
}

// A flag given as --taskhub-NAME=VALUE (or bare, as "1"), else the variable, else "". `where`
// says which of them gave it, for messages.
std::string value_of(int argc, char** argv, const flag_spec& f, std::string& where) {
  where.clear();
  const std::string bare = std::string("--taskhub-") + f.name, prefix = bare + "=";
  for (int i = argc - 1; i >= 1; --i) {  // the last one given wins, as usual for flags
    if (argv[i] == bare) {
      where = bare;
      return "1";
    }
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      where = argv[i];
      return argv[i] + prefix.size();
    }
  }
  if (const char* v = std::getenv(f.variable)) {
    where = std::string(f.variable) + "=" + v;
    return v;
  }
  return "";
}

// `text` whole as a whole number within [low, high], or nothing.
std::optional<long long> whole(const std::string& text, long long low, long long high) {
  long long v = 0;
  const char* end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || at != end || v < low || v > high) return std::nullopt;
  return v;
}

// `text` whole as a decimal number of seconds within [0, high], or nothing.
std::optional<double> seconds(const std::string& text, double high) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(v >= 0 && v <= high)) return std::nullopt;
  return v;
}

// `text` whole as a size in bytes ("512M", "2G", "1048576") within [low, high], or nothing.
std::optional<std::size_t> size_in_bytes(const std::string& text, std::size_t low,
                                         std::size_t high) {
  const auto digits = text.find_first_not_of("0123456789");
  if (digits == 0 || text.empty()) return std::nullopt;
  const std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  int shift = 0;
  if (!unit.empty()) {
    const std::string units = "KMGTP";
    const auto at = units.find(unit[0]);
    const std::string rest = unit.substr(1);
    if (at == std::string::npos || !(rest.empty() || rest == "iB" || rest == "B"))
      return std::nullopt;
    shift = 10 * static_cast<int>(at + 1);
  }
  const auto n = whole(text.substr(0, digits), 0, (1ll << 50));
  if (!n || static_cast<unsigned long long>(*n) > (high >> shift)) return std::nullopt;
  const std::size_t v = static_cast<std::size_t>(*n) << shift;
  if (v < low) return std::nullopt;
  return v;
}

std::string refused(const std::string& where, const flag_spec& f) {
  return where + ": wanted " + f.accepts;
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

// A whole-number variable of the runtime's own (not a flag), or `otherwise` when unset.
long long number_variable(const char* name, long long low, long long high, long long otherwise,
                          std::string& problem) {
  const std::string v = variable(name);
  if (v.empty()) return otherwise;
  if (auto n = whole(v, low, high)) return *n;
  note(problem, std::string(name) + "=" + v + ": wanted a whole number from " +
                    std::to_string(low) + " to " + std::to_string(high));
  return otherwise;
}

}  // namespace

settings read_settings(int argc, char** argv, const run_options& opts) {
  settings s;
  std::string& problem = s.problem;
  for (int i = 1; i < argc; ++i) {  // every --taskhub-* argument must be one of ours
    if (std::strncmp(argv[i], "--taskhub-", 10) != 0) continue;
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(10, eq == std::string::npos ? eq : eq - 10);
    bool is_known = false;
    for (const auto& f : flags) is_known = is_known || name == f.name;
    if (!is_known) note(problem, "unknown flag " + arg + " (taskhub's flags: " + every_flag() + ")");
  }
  std::string where;
  const auto& hwm_flag = flag("hwm");
  if (opts.hwm >= 0) {
    s.hwm = opts.hwm;
  } else if (const auto v = value_of(argc, argv, hwm_flag, where); !v.empty()) {
    if (auto n = whole(v, 0, 1000000)) s.hwm = static_cast<int>(*n);
    else note(problem, refused(where, hwm_flag));
  }
  s.scheme = value_of(argc, argv, flag("scheme"), where);
  if (opts.local_engines > 0) {
    s.local_engines = opts.local_engines;
  } else if (const auto v = value_of(argc, argv, flag("engines"), where); !v.empty()) {
    if (auto n = whole(v, 1, 4096)) s.local_engines = static_cast<int>(*n);
    else note(problem, refused(where, flag("engines")));
  }
  if (!opts.journal.empty()) {
    s.journal = opts.journal;
  } else {
    s.journal = value_of(argc, argv, flag("journal"), where);
    if (where.rfind("--", 0) == 0 && (where == "--taskhub-journal" || s.journal.empty()))
      note(problem, "--taskhub-journal needs a path: --taskhub-journal=PATH");
  }
  s.resume = value_of(argc, argv, flag("resume"), where);
  if (!s.resume.empty() && s.resume != "1" && s.resume != "0" && s.resume != "retry-failed")
    note(problem, refused(where, flag("resume")));
  s.journal_flush = value_of(argc, argv, flag("journal-flush"), where);
  if (!s.journal_flush.empty() && !seconds(s.journal_flush, 86400))
    note(problem, refused(where, flag("journal-flush")));
  const auto results = value_of(argc, argv, flag("journal-results"), where);
  if (!results.empty() && results != "0" && results != "1") note(problem, refused(where, flag("journal-results")));
  s.is_storing_results = results != "0";
  const auto watch = value_of(argc, argv, flag("watchdog"), where);
  if (!watch.empty()) {
    const auto v = seconds(watch, 86400);
    if (!v || (*v > 0 && *v < 0.01)) note(problem, refused(where, flag("watchdog")));
    else s.watchdog = std::chrono::nanoseconds(static_cast<std::int64_t>(*v * 1e9));
  }
  if (const auto dot = value_of(argc, argv, flag("watchdog-dot"), where); !where.empty()) {
    if (dot.empty() || where == "--taskhub-watchdog-dot")
      note(problem, "--taskhub-watchdog-dot needs a path: --taskhub-watchdog-dot=PATH");
    else s.watchdog_dot = dot;
  }
  const auto sync = value_of(argc, argv, flag("journal-sync"), where);
  if (!sync.empty() && sync != "0" && sync != "1") note(problem, refused(where, flag("journal-sync")));
  s.is_syncing_log = sync == "1";
  if (opts.accept_rebuild) {
    s.is_accepting_rebuild = true;
  } else {
    const auto accept = value_of(argc, argv, flag("accept-rebuild"), where);
    if (!accept.empty() && accept != "0" && accept != "1") note(problem, refused(where, flag("accept-rebuild")));
    s.is_accepting_rebuild = accept == "1";
  }
  const auto log = value_of(argc, argv, flag("log"), where);
  if (log == "quiet") s.log_level = voice_level::quiet;
  else if (log == "debug") s.log_level = voice_level::debug;
  else if (!log.empty() && log != "info") note(problem, refused(where, flag("log")));
  if (const auto v = value_of(argc, argv, flag("isolate"), where); !v.empty()) {
    if (v == "off" || v == "on-request" || v == "all") s.isolate = v;
    else note(problem, refused(where, flag("isolate")));
  }
  if (const auto v = value_of(argc, argv, flag("task-memory"), where); !v.empty()) {
    if (auto n = size_in_bytes(v, std::size_t(16) << 20, std::size_t(1) << 50)) s.task_memory = *n;
    else note(problem, refused(where, flag("task-memory")));
    if (s.task_memory > 0 && !has_runners(s))
      note(problem,
           where + ": a memory limit applies to isolated tasks: give --taskhub-isolate too");
  }
  if (const auto v = value_of(argc, argv, flag("share-budget"), where); !v.empty()) {
    if (auto n = size_in_bytes(v, 0, std::size_t(1) << 50)) s.share_budget = *n;
    else note(problem, refused(where, flag("share-budget")));
  }
  if (const auto v = value_of(argc, argv, flag("cache-threshold"), where); !v.empty()) {
    if (auto n = size_in_bytes(v, 0, std::size_t(1) << 50)) s.cache_threshold = *n;
    else note(problem, refused(where, flag("cache-threshold")));
  }
  if (const auto v = value_of(argc, argv, flag("node-size"), where); !v.empty()) {
    if (auto n = whole(v, 0, 1000000)) s.node_size = static_cast<int>(*n);
    else note(problem, refused(where, flag("node-size")));
  }
  if (const auto v = value_of(argc, argv, flag("fanout"), where); !v.empty()) {
    if (auto n = whole(v, 0, 1000000)) s.fanout = static_cast<int>(*n);
    else note(problem, refused(where, flag("fanout")));
  }
  if (const auto v = value_of(argc, argv, flag("refill"), where); !v.empty()) {
    if (v == "pull" || v == "push") s.refill = v;
    else note(problem, refused(where, flag("refill")));
  }
  s.steal = value_of(argc, argv, flag("steal"), where);
  if (!s.steal.empty() && s.steal != "0" && s.steal != "1") note(problem, refused(where, flag("steal")));
  if (const auto v = value_of(argc, argv, flag("locality"), where); !v.empty()) {
    if (v == "0" || v == "1") s.is_local_first = v == "1";
    else note(problem, refused(where, flag("locality")));
  }
  if (const auto v = value_of(argc, argv, flag("node-objects"), where); !v.empty()) {
    if (v == "0" || v == "1") s.is_node_objects = v == "1";
    else note(problem, refused(where, flag("node-objects")));
  }
  s.retain_bytes = static_cast<std::size_t>(number_variable("TASKHUB_RETAIN_MB", 0, 1 << 20, 64, problem))
                   << 20;
  const auto lanes = variable("TASKHUB_LANES");
  if (!lanes.empty() && lanes != "0" && lanes != "1") note(problem, "TASKHUB_LANES=" + lanes + ": wanted 0 or 1");
  s.is_lanes_on = lanes != "0";
  s.yield_for = std::chrono::microseconds(number_variable("TASKHUB_YIELD_US", 0, 10000000, 2000, problem));
  s.client_spin =
      std::chrono::microseconds(number_variable("TASKHUB_CLIENT_SPIN_US", 0, 10000000, 50, problem));
  s.engine_tags = split_commas(variable("TASKHUB_ENGINE_TAGS"));
  for (int i = 0; i < argc; ++i) s.command += (i ? " " : "") + std::string(argv[i]);
  return s;
}

std::string decided_on_rank_0(const settings& s) {
  return "--taskhub-hwm=" + std::to_string(s.hwm) + "\n--taskhub-scheme=" + s.scheme +
         "\n--taskhub-engines=" + std::to_string(s.local_engines) + "\n--taskhub-journal=" +
         s.journal + "\n--taskhub-resume=" + s.resume + "\n--taskhub-journal-flush=" +
         s.journal_flush + "\n--taskhub-journal-results=" + (s.is_storing_results ? "1" : "0") +
         "\n--taskhub-journal-sync=" + (s.is_syncing_log ? "1" : "0") +
         "\n--taskhub-accept-rebuild=" + (s.is_accepting_rebuild ? "1" : "0") +
         "\nTASKHUB_RETAIN_MB=" + std::to_string(s.retain_bytes >> 20) + "\n--taskhub-watchdog=" +
         std::to_string(s.watchdog.count()) + " ns\n--taskhub-watchdog-dot=" + s.watchdog_dot +
         "\n--taskhub-isolate=" + s.isolate + "\n--taskhub-task-memory=" +
         std::to_string(s.task_memory) + "\n--taskhub-node-size=" + std::to_string(s.node_size) +
         "\n--taskhub-fanout=" + std::to_string(s.fanout) + "\n--taskhub-refill=" + s.refill +
         "\n--taskhub-steal=" + s.steal + "\n--taskhub-locality=" +
         (s.is_local_first ? "1" : "0") + "\n--taskhub-node-objects=" +
         (s.is_node_objects ? "1" : "0") + "\n";
}

}  // namespace taskhub::detail

namespace taskhub {

std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i)
    if (i == 0 || std::strncmp(argv[i], "--taskhub-", 10) != 0) args.emplace_back(argv[i]);
  return args;
}

}  // namespace taskhub
