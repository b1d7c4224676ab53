// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub's errors: one hierarchy, each saying what failed and where.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace taskhub {

/// The base of every error taskhub raises.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An MPI routine failed; keeps the routine's name and the MPI error class.
class mpi_error : public error {
 public:
  mpi_error(std::string routine, int error_class, const std::string& text)
      : error(routine + " failed: " + text), routine_(std::move(routine)),
        error_class_(error_class) {}
  /// The MPI routine that failed, e.g. "MPI_Isend".
  const std::string& routine() const noexcept { return routine_; }
  /// The MPI error class (MPI_Error_class) of the failure.
  int error_class() const noexcept { return error_class_; }

 private:
  std::string routine_;
  int error_class_;
};

/// Bytes could not be turned back into values (wrong type, truncated or corrupt payload).
class decode_error : public error {
 public:
  using error::error;
};

/// A wait ran out of time before the result arrived.
class timeout_error : public error {
 public:
  using error::error;
};

/// Thrown inside a task: this engine cannot run it. The hub sends the task to an engine it has not
/// tried; when none is left the task fails with failure::impossible_dependency.
class unmet_dependency : public error {
 public:
  explicit unmet_dependency(const std::string& why = "unmet dependency") : error(why) {}
};

/// The type names (remote_error::type_name) of failures the hub itself decides.
namespace failure {
/// A dependency named a task the hub does not know.
inline constexpr const char* invalid_dependency = "taskhub::invalid_dependency";
/// A dependency can no longer be met, or no engine is left that can run the task.
inline constexpr const char* impossible_dependency = "taskhub::impossible_dependency";
/// The task did not start within its dependency timeout.
inline constexpr const char* dependency_timeout = "taskhub::dependency_timeout";
/// The task ran longer than its timeout.
inline constexpr const char* task_timeout = "taskhub::task_timeout";
/// The task was aborted before it started.
inline constexpr const char* task_aborted = "taskhub::task_aborted";
/// The task crashed its engine (a fatal signal such as a segmentation fault); the engine retires.
inline constexpr const char* engine_crash = "taskhub::engine_crash";
/// The engine running the task died (its process ended: killed, or out of memory) and the run
/// went on without it. Retries run the task again on another engine.
inline constexpr const char* engine_died = "taskhub::engine_died";
/// The task ended its isolated runner process (a signal, an exit, the kernel's kill); the
/// message says which. The engine starts a new runner and serves on.
inline constexpr const char* task_crash = "taskhub::task_crash";
/// An isolated task passed the memory limit of its runner (`--taskhub-task-memory`).
inline constexpr const char* out_of_memory = "taskhub::out_of_memory";
/// The task's arguments or result exceed the largest message (2 GiB).
inline constexpr const char* message_too_large = "taskhub::message_too_large";
/// The run ended before the task finished.
inline constexpr const char* run_ended = "taskhub::run_ended";
}  // namespace failure

/// A task failed on an engine: it threw, or the engine could not run it.
///
/// `future::get()` rethrows it on the client:
/// ```
/// try { hub.apply<&f>(1).get(); }
/// catch (const taskhub::remote_error& e) { std::cerr << e.type_name() << ' ' << e.engine(); }
/// ```
class remote_error : public error {
 public:
  remote_error(std::string type_name, std::string message, int engine, std::string function,
               std::uint64_t task)
      : error("task " + std::to_string(task) + " (" + function + ") on engine " +
              std::to_string(engine) + " raised " + type_name + ": " + message),
        type_name_(std::move(type_name)), message_(std::move(message)), engine_(engine),
        function_(std::move(function)), task_(task) {}
  /// The type of the exception the task threw, demangled (e.g. "std::domain_error").
  const std::string& type_name() const noexcept { return type_name_; }
  /// The exception's own message (its `what()`).
  const std::string& message() const noexcept { return message_; }
  /// The rank of the engine the task ran on (-1 when it never reached one).
  int engine() const noexcept { return engine_; }
  /// The name of the shipped function.
  const std::string& function() const noexcept { return function_; }
  /// The task's id.
  std::uint64_t task() const noexcept { return task_; }

 protected:
  /// The same fields, under another message.
  remote_error(const std::string& what, const remote_error& like)
      : error(what), type_name_(like.type_name_), message_(like.message_), engine_(like.engine_),
        function_(like.function_), task_(like.task_) {}

 private:
  std::string type_name_, message_;
  int engine_;
  std::string function_;
  std::uint64_t task_;
};

/// Engines of one call on several engines (a direct view's apply) failed; carries every engine's
/// error. As a remote_error it is the first failed engine's; what() counts and lists them all.
class composite_error : public remote_error {
 public:
  /// `failures` (at least one) in the view's engine order, of `engine_count` engines called.
  composite_error(std::vector<remote_error> failures, std::size_t engine_count)
      : remote_error(describe(failures, engine_count), failures.at(0)),
        failures_(std::move(failures)), engine_count_(engine_count) {}
  /// Every failed engine's error, in the view's engine order.
  const std::vector<remote_error>& failures() const noexcept { return failures_; }
  /// How many engines the call ran on.
  std::size_t engine_count() const noexcept { return engine_count_; }

 private:
  static std::string describe(const std::vector<remote_error>& f, std::size_t n) {
    std::string s = std::to_string(f.size()) + " of " + std::to_string(n) + " engines failed";
    for (std::size_t i = 0; i < f.size() && i < 20; ++i)
      s += (i == 0 ? ": " : "; ") + std::string(f[i].what());
    if (f.size() > 20) s += "; ...";
    return s;
  }
  std::vector<remote_error> failures_;
  std::size_t engine_count_;
};

/// Some items of a map failed; lists every failed index with its error.
class map_error : public error {
 public:
  explicit map_error(std::vector<std::pair<std::size_t, remote_error>> failures)
      : error(describe(failures)), failures_(std::move(failures)) {}
  /// The failed items: (index in the input, error), by increasing index.
  const std::vector<std::pair<std::size_t, remote_error>>& failures() const noexcept {
    return failures_;
  }

 private:
  static std::string describe(const std::vector<std::pair<std::size_t, remote_error>>& f) {
    std::string s = std::to_string(f.size()) + " map item(s) failed: index";
    for (std::size_t i = 0; i < f.size() && i < 20; ++i) s += " " + std::to_string(f[i].first);
    if (f.size() > 20) s += " ...";
    if (!f.empty()) s += "; first: " + std::string(f.front().second.what());
    return s;
  }
  std::vector<std::pair<std::size_t, remote_error>> failures_;
};

}  // namespace taskhub
