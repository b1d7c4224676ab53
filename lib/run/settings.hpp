// SPDX-License-Identifier: MIT
// Part of taskhub.
// Every knob of a run: the --taskhub-* flags and TASKHUB_* variables, read once, in one place,
// and handed down as one value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/voice.hpp"
#include "taskhub/run.hpp"

namespace taskhub::detail {

struct settings {
  // What rank 0 decides (run_options win over flags, flags over variables).
  int hwm = default_hwm;                  // --taskhub-hwm, TASKHUB_HWM
  std::string scheme;                     // --taskhub-scheme, TASKHUB_SCHEME; "" keeps the default
  int local_engines = 0;                  // --taskhub-engines, TASKHUB_ENGINES; 0: hardware threads
  std::string journal;                    // --taskhub-journal, TASKHUB_JOURNAL; "" for none
  std::string resume;                     // --taskhub-resume[=retry-failed], TASKHUB_RESUME
  std::string journal_flush;              // --taskhub-journal-flush=SECONDS, TASKHUB_JOURNAL_FLUSH
  bool is_storing_results = true;         // --taskhub-journal-results=0, TASKHUB_JOURNAL_RESULTS
  bool is_syncing_log = false;            // --taskhub-journal-sync, TASKHUB_JOURNAL_SYNC
  bool is_accepting_rebuild = false;      // --taskhub-accept-rebuild, TASKHUB_ACCEPT_REBUILD
  std::size_t retain_bytes = std::size_t(64) << 20;  // TASKHUB_RETAIN_MB
  int fanout = 0;     // --taskhub-fanout=K, TASKHUB_FANOUT: engines per sub-hub; 0: a flat hub
  std::string refill = "pull";  // --taskhub-refill=pull|push, TASKHUB_REFILL: how sub-hubs' groups get work
  bool is_local_first = true;  // --taskhub-locality=0|1, TASKHUB_LOCALITY: tasks go where their inputs are kept
  bool is_node_objects = true;  // --taskhub-node-objects=0|1, TASKHUB_NODE_OBJECTS: engines of a node map one copy of a shared object
  std::string steal;  // --taskhub-steal=0|1, TASKHUB_STEAL: idle engines take back queued tasks; "": in trees
  int node_size = 0;  // --taskhub-node-size=M, TASKHUB_NODE_SIZE: simulated nodes of M ranks; 0: none
  std::chrono::nanoseconds watchdog{0};   // --taskhub-watchdog=SECONDS, TASKHUB_WATCHDOG; 0: off
  std::string watchdog_dot = "taskhub-waits.dot";  // --taskhub-watchdog-dot, TASKHUB_WATCHDOG_DOT
  voice_level log_level = voice_level::info;  // --taskhub-log, TASKHUB_LOG
  // What each rank reads for itself too, before MPI starts.
  std::string isolate = "off";  // --taskhub-isolate=off|on-request|all, TASKHUB_ISOLATE
  std::size_t task_memory = 0;  // --taskhub-task-memory=SIZE, TASKHUB_TASK_MEMORY (bytes; 0: none)
  std::size_t share_budget = 0;  // --taskhub-share-budget, TASKHUB_SHARE_BUDGET (bytes; 0: none)
  std::size_t cache_threshold = std::size_t(64) << 10;  // --taskhub-cache-threshold (0: off)
  std::string problem;                    // the first unknown flag or bad value, else ""
  // What each rank reads for itself.
  bool is_lanes_on = true;                          // TASKHUB_LANES=0 turns them off
  std::chrono::microseconds yield_for{2000};        // TASKHUB_YIELD_US
  std::chrono::microseconds client_spin{50};        // TASKHUB_CLIENT_SPIN_US
  std::vector<std::string> engine_tags;             // TASKHUB_ENGINE_TAGS=a,b
  std::string command;                              // argv, for the journal
};

/// Whether the settings ask for runners for isolated tasks.
inline bool has_runners(const settings& s) { return s.isolate != "off"; }

/// The settings rank 0 decides, one "name value" per line, to compare across ranks.
std::string decided_on_rank_0(const settings& s);

/// Reads every flag and variable of a run; an unknown --taskhub-* flag or a value out of its
/// range sets `problem`.
settings read_settings(int argc, char** argv, const run_options& opts);

}  // namespace taskhub::detail
