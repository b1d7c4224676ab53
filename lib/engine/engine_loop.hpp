// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's loop: receive, run, send, back off when idle; and the client its tasks submit
// tasks through.
#pragma once

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/backoff.hpp"
#include "core/wait.hpp"
#include "engine/crash_guard.hpp"
#include "engine/inbox.hpp"
#include "engine/result_store.hpp"
#include "engine/object_cache.hpp"
#include "engine/runner.hpp"
#include "taskhub/engine.hpp"
#include "taskhub/hub.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

/// Which tasks an engine runs in its runner process (runner.hpp).
struct isolation {
  bool has_runners = false;      // --taskhub-isolate=on-request: tasks that ask for it
  bool is_every_task = false;    // --taskhub-isolate=all: every task but the runtime's own
  std::size_t memory_limit = 0;  // --taskhub-task-memory, in bytes (0: none)
};

class engine_loop final : public client_core, public wait_helper {
 public:
  /// `comm` is the engines-only communicator (MPI_COMM_NULL for engine threads); `engines` lists
  /// every engine's rank; `tags` are the tags this engine advertises; `turns`, when not null,
  /// counts the loop's turns for the hub's watchdog.
  engine_loop(transport& t, int rank, MPI_Comm comm, std::vector<int> engines,
              std::vector<std::string> tags, const isolation& iso,
              std::atomic<std::uint64_t>* turns = nullptr);

  /// Serves tasks from the hub (endpoint 0) until it says stop; returns the exit code it sent.
  int run();
  /// Runs other work until `is_ready` holds: a task waiting for tasks it submitted keeps its
  /// engine serving, so the tasks it waits for can run here too.
  bool help(const std::function<bool()>& is_ready, deadline until) override;

  // client_core: tasks submitted by tasks go to the hub, which sends their outcome back here.
  task_ptr make_task(std::uint64_t handler, int target, std::size_t payload) override;
  void submit(task_ptr t) override;
  void submit(std::vector<task_ptr>& tasks) override;
  const std::vector<int>& engines() const override { return engines_; }

  int rank() const { return rank_; }
  MPI_Comm comm() const { return comm_; }
  const std::vector<std::string>& tags() const { return tags_; }
  taskhub::hub& hub() { return hub_; }
  const taskhub::traffic& traffic() const { return t_.counted(); }
  std::unordered_map<std::string, store_entry>& store() { return store_; }
  result_store& results() { return results_; }
  object_cache& objects() { return objects_; }

 private:
  void step(bool may_run_tasks = true);
  void receive();
  bool next(incoming& r, bool may_run_tasks);
  void idle();
  void handle(incoming& r, bool may_run_tasks);
  void run_task(const record_header& h, const char* payload);
  void check_requirements(reader& in);
  bool runs_isolated(const record_header& h);
  void run_isolated(const record_header& h, reader& in, bytes& rec);
  void run_batch(incoming& first);
  void take_outcome(const record_header& h, const char* payload);
  void send_kept(const record_header& h, const char* payload);
  void take_kept(incoming& r);
  void answer_recall(const bytes& msg);
  bool drop(std::uint64_t task, std::uint32_t attempt);
  void note_start(const record_header& h);
  bool is_flush_due() const;
  void flush_if_done();
  void flush();
  void note(record_kind kind, std::uint64_t task, std::uint32_t flags);
  void retire();

  transport& t_;
  const int rank_;
  const MPI_Comm comm_;
  const std::vector<int> engines_;
  const std::vector<std::string> tags_;
  taskhub::hub hub_;
  std::unordered_map<std::string, store_entry> store_;
  result_store results_;
  std::deque<incoming> unfed_;  // tasks waiting for results other engines send them
  object_cache objects_;
  std::unordered_map<std::uint64_t, task_ptr> waiting_;  // tasks our tasks submitted
  std::uint64_t submitted_count_ = 0;
  inbox queue_;
  bytes out_ = take_buffer(4096);
  std::size_t out_records_ = 0;
  std::chrono::steady_clock::time_point first_out_;
  backoff wait_;
  static constexpr std::size_t max_depth = 32;  // tasks run on top of waiting tasks, at most
  std::deque<bytes> scratch_;  // one record buffer per level of tasks waiting inside tasks
  std::size_t depth_ = 0;
  std::vector<std::uint64_t> running_;  // the ids of the tasks on the stack, innermost last
  std::atomic<std::uint64_t>* const turns_;
  std::deque<incoming> deferred_;
  std::int64_t last_run_us_ = 0;  // how long the last task ran
  bool is_back_from_long_task_ = false;
  int exit_code_ = 0;
  bool is_stopping_ = false;
  bool is_retired_ = false, is_retire_due_ = false;
  const isolation iso_;
  std::unique_ptr<runner> runner_;  // null when the run has no runners
  std::unordered_map<std::uint64_t, bool> is_runtime_handler_;
  crash_guard guard_;
};

/// The engine running a task on this thread; throws naming `what` when there is none.
engine_loop& current_engine(const char* what);

/// Serves tasks on this thread until the hub says stop; returns the exit code it sent. `turns`,
/// when not null, counts the loop's turns for the hub's watchdog.
int serve_engine(transport& t, int rank, MPI_Comm engines_comm, const std::vector<int>& engines,
                 const std::vector<std::string>& tags, const isolation& iso,
                 std::atomic<std::uint64_t>* turns = nullptr);

}  // namespace taskhub::detail
