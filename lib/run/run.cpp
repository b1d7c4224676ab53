// SPDX-License-Identifier: MIT
// Part of taskhub.
// Start-up: MPI, the settings, the table check, and each rank's role.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "core/backoff.hpp"
#include "core/mpi_check.hpp"
#include "core/node_name.hpp"
#include "core/object_memory.hpp"
#include "core/wait.hpp"
#include "transport/doorbell.hpp"
#include "transport/local_transport.hpp"
#include "transport/mpi_transport.hpp"
#include "engine/engine_loop.hpp"
#include "engine/hub_watch.hpp"
#include "hub/sub_hub.hpp"
#include "engine/pulse.hpp"
#include "engine/zygote.hpp"
#include "hub/hub_core.hpp"
#include "journal/build_fingerprint.hpp"
#include "journal/journal.hpp"
#include "transport/lane.hpp"
#include "run/ending_report.hpp"
#include "run/settings.hpp"
#include "run/termination.hpp"
#include "run/tree_layout.hpp"
#include "transport/tree_transport.hpp"
#include "transport/mpi_yield.hpp"
#include "core/registry.hpp"
#include "taskhub/run.hpp"
#include "core/voice.hpp"

namespace taskhub::detail {
namespace {

constexpr int taskhub_tag = 31337;

std::vector<std::string> tags_of(const settings& s, const run_options& opts, int rank) {
  auto tags = s.engine_tags;
  if (opts.engine_tags)
    for (auto& t : opts.engine_tags(rank)) tags.push_back(std::move(t));
  return tags;
}

// Every rank's `mine`, on rank 0 in rank order (empty elsewhere).
std::vector<std::string> gather_strings(MPI_Comm world, int rank, int size, const std::string& mine) {
  int length = static_cast<int>(mine.size());
  std::vector<int> lengths(static_cast<std::size_t>(size)), offsets(lengths.size());
  check_mpi(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, world), "MPI_Gather");
  std::string all;
  if (rank == 0) {
    int total = 0;
    for (int r = 0; r < size; ++r) {
      offsets[static_cast<std::size_t>(r)] = total;
      total += lengths[static_cast<std::size_t>(r)];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  check_mpi(MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                        MPI_CHAR, 0, world),
            "MPI_Gatherv");
  std::vector<std::string> out;
  if (rank != 0) return out;
  for (int r = 0; r < size; ++r)
    out.push_back(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]),
                             static_cast<std::size_t>(lengths[static_cast<std::size_t>(r)])));
  return out;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < s.size();) {
    const auto nl = std::min(s.find('\n', at), s.size());
    lines.push_back(s.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

// Every engine's host, process and tags, on rank 0 (nothing elsewhere), in engine order.
void gather_engines(MPI_Comm world, int rank, int size, const std::vector<int>& engines,
                    const settings& s, const run_options& opts, hub_core::config& cfg,
                    std::vector<engine_place>& places) {
  std::string mine;
  if (rank != 0) {
    mine = node_name() + '\n' + std::to_string(getpid()) + '\n';
    for (const auto& t : tags_of(s, opts, rank)) mine += t + '\n';
  }
  const auto all = gather_strings(world, rank, size, mine);
  if (rank != 0) return;
  for (int r : engines) {
    auto t = lines_of(all[static_cast<std::size_t>(r)]);
    t.resize(std::max<std::size_t>(t.size(), 2));
    cfg.hosts.push_back(t[0]);
    places.push_back({r, t[0], std::atol(t[1].c_str())});
    t.erase(t.begin(), t.begin() + 2);
    cfg.tags.push_back(std::move(t));
  }
}

// Rank 0's host and process, on every rank.
engine_place hub_place(MPI_Comm world, int rank) {
  std::string text = rank == 0 ? node_name() + '\n' + std::to_string(getpid()) : std::string();
  int length = static_cast<int>(text.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, world), "MPI_Bcast");
  text.resize(static_cast<std::size_t>(length));
  check_mpi(MPI_Bcast(text.data(), length, MPI_CHAR, 0, world), "MPI_Bcast");
  auto lines = lines_of(text);
  lines.resize(2);
  return {0, lines[0], std::atol(lines[1].c_str())};
}

// Every rank's process, on every rank.
std::vector<long> gather_pids(MPI_Comm world, int size) {
  long long mine = getpid();
  std::vector<long long> all(static_cast<std::size_t>(size));
  check_mpi(MPI_Allgather(&mine, 1, MPI_LONG_LONG, all.data(), 1, MPI_LONG_LONG, world),
            "MPI_Allgather");
  return std::vector<long>(all.begin(), all.end());
}

// The engines that sub-hub `rank` relays to.
std::vector<int> relayed_by(const tree_layout& layout, int rank) {
  std::vector<int> out;
  for (std::size_t r = 0; r < layout.center.size(); ++r)
    if (layout.center[r] == rank && layout.roles[r] == tree_layout::role::engine)
      out.push_back(static_cast<int>(r));
  return out;
}

// The engines below sub-hub `rank`, at any depth: what its death cuts off.
std::vector<int> engines_below(const tree_layout& layout, int rank) {
  std::vector<int> out;
  for (int e : layout.engines) {
    int at = layout.center[static_cast<std::size_t>(e)];
    while (at > 0 && at != rank) at = layout.center[static_cast<std::size_t>(at)];
    if (at == rank) out.push_back(e);
  }
  return out;
}

// The sub-hubs, for the root: a sub-hub shares its engines' host, and is watched when that is
// the root's.
std::vector<hub_core::config::relay> relays_of(const tree_layout& layout,
                                               const std::vector<engine_place>& places,
                                               const std::vector<long>& pids,
                                               const std::string& hub_host) {
  std::vector<hub_core::config::relay> relays;
  for (std::size_t r = 0; r < layout.roles.size(); ++r) {
    if (layout.roles[r] != tree_layout::role::sub_hub) continue;
    hub_core::config::relay relay;
    relay.rank = static_cast<int>(r);
    relay.engines = engines_below(layout, relay.rank);
    const auto own = relayed_by(layout, relay.rank);
    for (const auto& p : places)
      if (!own.empty() && p.rank == own.front()) relay.host = p.host;
    relay.pid = relay.host == hub_host ? pids[r] : 0;
    relays.push_back(std::move(relay));
  }
  return relays;
}

// On SIGTERM the hub says which engine is gone and what each was running, and flushes the
// journal, before the process ends by the signal.
void say_why_it_ends(hub_core& core, const std::vector<engine_place>& places, const settings& s,
                     const std::shared_ptr<hub_observer>& observer) {
  auto lines = std::make_shared<std::vector<std::string>>();
  bool is_answered = false;
  try {
    is_answered = core.on_hub_thread(
        [&core, places, lines, observer] {
          *lines = ending_report(core, places, node_name());
          if (observer) observer->catch_up(true);
        },
        std::chrono::milliseconds(500));
  } catch (const std::exception&) {
    // the hub has stopped: the run is ending anyway
  }
  if (!is_answered) {
    say_error("the run was ended by SIGTERM; the hub did not answer within "
                         "0.5 s to say what was running\n");
  } else {
    for (const auto& l : *lines) say_error("%s", l.c_str());
  }
  if (!s.journal.empty())
    say_error(
                 "every task that finished is in the journal %s: run again with "
                 "--taskhub-resume to go on from there\n",
                 s.journal.c_str());
}

// Rank 0 says, in one line, when a rank was launched with other settings than its own (rank 0's
// apply: the hub decides them).
void compare_settings(MPI_Comm world, int rank, int size, const settings& s) {
  const auto all = gather_strings(world, rank, size, decided_on_rank_0(s));
  if (rank != 0) return;
  const auto ours = lines_of(all[0]);
  for (int r = 1; r < size; ++r) {
    const auto theirs = lines_of(all[static_cast<std::size_t>(r)]);
    for (std::size_t i = 0; i < ours.size() && i < theirs.size(); ++i) {
      if (ours[i] == theirs[i]) continue;
      say_info("rank %d was launched with other taskhub settings than rank 0 (%s, "
                   "rank 0 has %s); rank 0's apply\n",
                   r, theirs[i].c_str(), ours[i].c_str());
      return;
    }
  }
}

// The journal the settings ask for; null when none.
std::shared_ptr<journal> open_journal(const settings& s, const run_options& opts) {
  if (s.journal.empty()) return nullptr;
  journal_settings js;
  js.path = s.journal;
  js.is_retry_failed = opts.retry_failed || s.resume == "retry-failed";
  js.is_resume = opts.resume || js.is_retry_failed || (!s.resume.empty() && s.resume != "0");
  if (!s.journal_flush.empty())
    js.flush_interval =
        std::chrono::milliseconds(static_cast<long>(std::atof(s.journal_flush.c_str()) * 1000));
  js.is_storing_results = s.is_storing_results;
  js.command = s.command;
  js.is_syncing_log = s.is_syncing_log;
  js.build = build_fingerprint();
  js.is_accepting_rebuild = s.is_accepting_rebuild;
  return std::make_shared<journal>(std::move(js));
}

// At --taskhub-log=debug: how the run is set up, in one line.
void say_set_up(const hub_core::config& cfg, const settings& s, bool is_threads) {
  if (current_voice_level() < voice_level::debug) return;
  std::vector<std::string> hosts = cfg.hosts;
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  say_debug("run: %zu engine%s on %zu host%s%s, scheme %s, hwm %d, lanes %s, journal %s, "
            "isolate %s, watchdog %s",
            cfg.hosts.size(), cfg.hosts.size() == 1 ? "" : "s", hosts.size(),
            hosts.size() == 1 ? "" : "s", is_threads ? " (threads of this process)" : "",
            s.scheme.empty() ? "leastload" : s.scheme.c_str(), cfg.hwm,
            s.is_lanes_on ? "on" : "off", s.journal.empty() ? "none" : s.journal.c_str(),
            s.isolate.c_str(),
            s.watchdog.count() > 0
                ? (std::to_string(std::chrono::duration<double>(s.watchdog).count()) + " s").c_str()
                : "off");
}

int call_client(hub_core& core, const std::function<int(hub&)>& fn) {
  try {
    hub h(core);
    return fn(h);
  } catch (const std::exception& e) {
    say_error("the client function failed: %s\n", e.what());
  } catch (...) {
    say_error("the client function failed with a non-standard exception\n");
  }
  return 1;
}

// Runs the client on this thread while `core` serves on its own; returns the exit code.
int drive(hub_core& core, const std::function<int(hub&)>& fn, MPI_Comm abort_comm) {
  const auto start = std::chrono::steady_clock::now();
  std::thread hub_thread([&] {
    try {
      core.serve();
    } catch (const std::exception& e) {
      say_error("the hub failed: %s\n", e.what());
      std::fflush(stderr);
      if (abort_comm != MPI_COMM_NULL) MPI_Abort(abort_comm, 2);
      std::abort();
    }
  });
  const int code = call_client(core, fn);
  core.request_stop(code);
  hub_thread.join();
  say_debug("run ended: exit code %d after %.3f s", code,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return code;
}

isolation isolation_of(const settings& s) {
  isolation iso;
  iso.has_runners = has_runners(s);
  iso.is_every_task = s.isolate == "all";
  iso.memory_limit = s.task_memory;
  return iso;
}

// Forks the process that forks runners, when the settings ask for runners: before MPI starts.
// Returns a problem, or "".
std::string start_zygote(const settings& s, bool is_mpi_running) {
  if (!has_runners(s) || zygote::get()) return "";
  if (is_mpi_running)
    return "--taskhub-isolate=" + s.isolate +
           " needs its runners forked before MPI starts, and this program started MPI itself: "
           "call taskhub::start_runners(argc, argv) before MPI_Init";
  try {
    zygote::start();
  } catch (const error& e) {
    return e.what();
  }
  return "";
}

int run_local(int engines, hub_core::config cfg, const settings& s, const run_options& opts,
              const std::function<int(hub&)>& fn) {
  local_network net(engines + 1);
  std::vector<int> ranks;
  for (int r = 1; r <= engines; ++r) {
    ranks.push_back(r);
    cfg.tags.push_back(tags_of(s, opts, r));
    cfg.hosts.push_back(node_name());
  }
  std::vector<std::thread> threads;
  for (int r = 1; r <= engines; ++r) {
    threads.emplace_back([&net, &ranks, &cfg, &s, r] {
      auto t = net.endpoint(r);
      serve_engine(*t, r, MPI_COMM_NULL, ranks, cfg.tags[static_cast<std::size_t>(r - 1)],
                   isolation_of(s));
    });
  }
  auto t = net.endpoint(0);
  say_set_up(cfg, s, true);
  hub_core core(*t, ranks, cfg);
  const int code = drive(core, fn, MPI_COMM_NULL);
  for (auto& th : threads) th.join();
  return code;
}

// Rank 0's `problem` (empty: none), known to every rank; elsewhere `otherwise` when there is one.
std::string agree(MPI_Comm world, int rank, const std::string& problem, const char* otherwise) {
  int is_bad = rank == 0 && !problem.empty() ? 1 : 0;
  check_mpi(MPI_Bcast(&is_bad, 1, MPI_INT, 0, world), "MPI_Bcast");
  if (!is_bad) return "";
  return rank == 0 ? problem : otherwise;
}

// Rank 0 learns every rank's handler table digest; returns an empty string when they agree.
std::string compare_tables(MPI_Comm world, int rank, int size) {
  const auto d = handler_table_digest();
  const std::string conflict = handler_conflicts();
  std::uint64_t mine[3] = {d.hash, d.count, conflict.empty() ? 0u : 1u};
  std::vector<std::uint64_t> all(rank == 0 ? 3 * static_cast<std::size_t>(size) : 0);
  check_mpi(MPI_Gather(mine, 3, MPI_UINT64_T, all.data(), 3, MPI_UINT64_T, 0, world), "MPI_Gather");
  std::string problem;
  if (rank == 0) {
    if (!conflict.empty()) problem = conflict;
    for (int r = 1; r < size && problem.empty(); ++r) {
      const auto* theirs = &all[3 * static_cast<std::size_t>(r)];
      if (theirs[0] != d.hash || theirs[1] != d.count) {
        problem = "rank " + std::to_string(r) + " has a different table of shipped functions (" +
                  std::to_string(theirs[1]) + " functions) from rank 0 (" +
                  std::to_string(d.count) + "): every rank must run the same binary";
      } else if (theirs[2] != 0) {
        problem = "rank " + std::to_string(r) + " has two functions that share one name";
      }
    }
  }
  return agree(world, rank, problem, "rank 0 refused to start");
}

// How often an engine's pulse beats: four times in a watchdog's period, at most once a second.
std::chrono::nanoseconds pulse_period(std::chrono::nanoseconds watch) {
  return std::clamp<std::chrono::nanoseconds>(watch / 4, std::chrono::milliseconds(10),
                                              std::chrono::seconds(1));
}

}  // namespace

int run_hub(int argc, char** argv, const run_options& opts, const std::function<int(hub&)>& fn) {
  const settings s = read_settings(argc, argv, opts);
  set_voice_level(s.log_level);
  backoff::set_yield_for(s.yield_for);
  set_client_spin(s.client_spin);
  set_object_budget(s.share_budget);
  set_cache_threshold(s.isolate == "all" ? 0 : s.cache_threshold);  // isolated: whole arguments
  hub_core::config cfg;
  cfg.hwm = s.hwm;
  cfg.policy = s.refill == "push" ? refill::push : refill::pull;
  cfg.is_stealing = s.steal == "1";
  cfg.is_local_first = s.is_local_first;
  cfg.retain_bytes = s.retain_bytes;
  cfg.scheme = opts.scheme;
  cfg.watch.period = s.watchdog;
  cfg.watch.dot_path = s.watchdog_dot;
  const report_signal on_sigusr1;
  std::string bad_setting = s.problem;
  if (!cfg.scheme && bad_setting.empty()) {
    try {
      cfg.scheme = make_scheme(s.scheme.empty() ? "leastload" : s.scheme);
    } catch (const error& e) {
      bad_setting = e.what();
    }
  }
  int engines = s.local_engines;
  if (engines <= 0) engines = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  int is_initialized = 0;
  MPI_Initialized(&is_initialized);
  if (bad_setting.empty()) bad_setting = start_zygote(s, is_initialized != 0);
  int provided = 0;
  if (!is_initialized) {
    // Under mpirun --enable-recovery the run goes on when a rank dies, and MPI_Finalize's closing
    // fence would wait for the dead rank (Open MPI 4.1). taskhub needs no such fence: the hub
    // ends only once every live engine has answered its stop.
    if (std::getenv("OMPI_MCA_orte_enable_recovery")) setenv("OMPI_MCA_async_mpi_finalize", "1", 0);
    check_mpi(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  } else {
    MPI_Query_thread(&provided);
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    say_error("MPI provides thread level %d, taskhub needs MPI_THREAD_SERIALIZED\n",
                 provided);
    if (!is_initialized) MPI_Finalize();
    return 2;
  }
  MPI_Comm world = MPI_COMM_NULL, engines_comm = MPI_COMM_NULL;
  int code = 0;
  try {
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &world), "MPI_Comm_dup");
    int rank = 0, size = 1;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    const std::string problem = compare_tables(world, rank, size);
    freeze_handlers();
    // The hub decides the run's settings: rank 0's verdict on them holds on every rank, so all
    // take the same path from here.
    compare_settings(world, rank, size, s);
    bad_setting = agree(world, rank, bad_setting, "rank 0 refused to start");
    // Rank 0's watchdog decides whether the engines beat.
    std::int64_t watch_ns = s.watchdog.count();
    check_mpi(MPI_Bcast(&watch_ns, 1, MPI_INT64_T, 0, world), "MPI_Bcast");
    const std::chrono::nanoseconds watch(watch_ns);
    // And how ranks group into nodes, before any rank makes node memory or says its node.
    int node_size = s.node_size;
    check_mpi(MPI_Bcast(&node_size, 1, MPI_INT, 0, world), "MPI_Bcast");
    simulate_nodes(rank, node_size);
    int fanout = s.fanout;
    check_mpi(MPI_Bcast(&fanout, 1, MPI_INT, 0, world), "MPI_Bcast");
    // The journal opens (and an old one is replaced) only once the run is sure to start.
    std::string journal_problem;
    if (bad_setting.empty() && problem.empty()) {
      if (rank == 0) {
        try {
          cfg.observer = open_journal(s, opts);
        } catch (const std::exception& e) {
          journal_problem = e.what();
        }
      }
      journal_problem = agree(world, rank, journal_problem, "rank 0 could not open its journal");
    }
    if (!bad_setting.empty()) {
      if (rank == 0) say_error("cannot start: %s\n", bad_setting.c_str());
      code = 2;
    } else if (!problem.empty()) {
      if (rank == 0) say_error("cannot start: %s\n", problem.c_str());
      code = 3;
    } else if (!journal_problem.empty()) {
      if (rank == 0) say_error("cannot start: %s\n", journal_problem.c_str());
      code = 2;
    } else {
      const tree_layout layout = lay_out_tree(world, fanout);
      const auto role = layout.role_of(rank);
      check_mpi(MPI_Comm_split(world, role == tree_layout::role::engine ? 0 : MPI_UNDEFINED, rank,
                               &engines_comm),
                "MPI_Comm_split");
      const std::vector<int>& ranks = layout.engines;
      if (size == 1) {
        code = run_local(engines, cfg, s, opts, fn);
      } else {
        // Every rank: where the engines and the hub run, and its links to the others.
        std::vector<engine_place> places;
        gather_engines(world, rank, size, ranks, s, opts, cfg, places);
        const engine_place hub = hub_place(world, rank);
        const std::vector<long> pids = gather_pids(world, size);
        // Which engines map the copy of a shared object that the rank they talk to writes.
        const std::vector<bool> maps_objects =
            s.is_node_objects ? object_memory_reach(world, layout.center)
                              : std::vector<bool>(static_cast<std::size_t>(size));
        doorbells bells(world);
        lanes node(world, layout.center, s.is_lanes_on);
        mpi_transport direct(world, taskhub_tag, bells, &node);
        mpi_idle_yield_off();
        if (rank == 0) {
          for (const auto& p : places) cfg.pids.push_back(p.host == hub.host ? p.pid : 0);
          cfg.relays = relays_of(layout, places, pids, hub.host);
          for (std::size_t i = 0; i < ranks.size(); ++i)  // the hub's copy, on its own node
            cfg.maps_node_objects.push_back(maps_objects[static_cast<std::size_t>(ranks[i])] &&
                                            places[i].host == hub.host);
          std::optional<tree_transport> tree;
          if (layout.is_tree()) {
            tree.emplace(direct, layout.via);
            cfg.is_stealing = s.steal != "0";
            for (int r : ranks) cfg.groups.push_back(layout.via[static_cast<std::size_t>(r)]);
          }
          transport& t = tree ? static_cast<transport&>(*tree) : direct;
          for (int r : ranks)
            cfg.watch.beats.push_back(watch.count() > 0 ? bells.heartbeat_of(r) : nullptr);
          say_set_up(cfg, s, false);
          hub_core core(t, ranks, cfg);
          termination_watch on_term([&] { say_why_it_ends(core, places, s, cfg.observer); });
          code = drive(core, fn, world);
          if (tree) tree->end_relays();
          if (code != 0 && std::getenv("OMPI_MCA_orte_enable_recovery"))
            say_error("the run ends with exit code %d, which mpirun --enable-recovery does not "
                      "pass on (it exits 0)\n",
                      code);
        } else if (role == tree_layout::role::sub_hub) {
          const auto relayed = relayed_by(layout, rank);
          std::vector<long> relayed_pids;
          for (int r : relayed) relayed_pids.push_back(pids[static_cast<std::size_t>(r)]);
          relay_watch engines_alive(relayed, relayed_pids);
          // Its engines share its node (the tree groups by node): they map its copy of an object.
          std::vector<bool> is_near(static_cast<std::size_t>(size), false);
          for (int r : relayed)
            is_near[static_cast<std::size_t>(r)] = maps_objects[static_cast<std::size_t>(r)];
          serve_sub_hub(direct, rank, layout.center[static_cast<std::size_t>(rank)],
                        layout.via_from(rank), std::move(is_near), engines_alive);
        } else {
          const int center = layout.center[static_cast<std::size_t>(rank)];
          direct.set_uplink(center);
          // A sub-hub shares its engines' node.
          const hub_watch hub_alive(
              rank, center,
              center != 0 ? pids[static_cast<std::size_t>(center)]
                          : hub.host == node_name() ? hub.pid : 0,
              center != 0 ? node_name() : hub.host);
          // An engine ends a moment after SIGTERM, so that the hub, told at the same time, finds
          // the engine that died gone and this one still there.
          termination_watch on_term(
              [] { std::this_thread::sleep_for(std::chrono::milliseconds(600)); });
          heartbeat* beat = watch.count() > 0 ? bells.heartbeat_of(rank) : nullptr;
          std::optional<pulse> alive;
          if (beat) alive.emplace(beat->process, pulse_period(watch));
          code = serve_engine(direct, rank, engines_comm, ranks, tags_of(s, opts, rank),
                              isolation_of(s), beat ? &beat->turns : nullptr);
        }
        mpi_idle_yield_restore();
      }
    }
  } catch (const std::exception& e) {
    say_error("%s\n", e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  cfg.observer.reset();  // closed before MPI_Finalize, which ends parallel HDF5
  if (engines_comm != MPI_COMM_NULL) MPI_Comm_free(&engines_comm);
  if (world != MPI_COMM_NULL) MPI_Comm_free(&world);
  if (!is_initialized) MPI_Finalize();
  return code;
}

}  // namespace taskhub::detail

namespace taskhub {

void start_runners(int argc, char** argv) {
  const auto s = detail::read_settings(argc, argv, run_options());
  if (!s.problem.empty()) return;  // run() refuses them with one line
  if (const auto problem = detail::start_zygote(s, false); !problem.empty())
    detail::say_error("%s\n", problem.c_str());
}

}  // namespace taskhub
