// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a running task can ask of the engine it runs on.
#pragma once

#include <mpi.h>

#include <any>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/traffic.hpp"

namespace taskhub::detail {

struct store_entry {
  // What keeps the encoding: bytes of its own, or the message a large pushed value came in.
  std::shared_ptr<const void> owner;
  const char* data = nullptr;  // the encoded value, as pushed or put
  std::size_t size = 0;
  std::any cache;          // the decoded value, once a task has asked for it
  std::uint64_t type = 0;  // type_key of the value's type

  /// Makes `encoding` the entry's encoded value, held by the entry itself.
  void hold(bytes encoding) {
    auto b = std::make_shared<const bytes>(std::move(encoding));
    data = b->data();
    size = b->size();
    owner = std::move(b);
  }
};

/// The named value on the current engine; throws taskhub::error if absent or off an engine.
store_entry& store_lookup(const std::string& name);
/// Creates or replaces the named value on the current engine.
store_entry& store_assign(const std::string& name);

}  // namespace taskhub::detail

namespace taskhub {
class hub;
}

namespace taskhub::engine {

/// The rank of the engine running the calling task (throws off an engine).
int rank();

/// The tags this engine advertises (TASKHUB_ENGINE_TAGS and run_options::engine_tags).
const std::vector<std::string>& tags();

/// The messages and bytes this engine sent and received so far (throws off an engine, and in
/// an isolated task's runner).
taskhub::traffic traffic();

/// Whether this process was told to end from outside (the launcher's SIGTERM: a rank died,
/// scancel, a time limit). From then on the engine reports no outcome: the tasks it was running
/// run again on resume. A task whose own child died of that signal can wait for it to be known.
bool is_ending();

/// A hub for the calling task to submit further tasks through and wait for them: while it waits,
/// its engine keeps serving, so the tasks it waits for may run on the same engine.
///
/// ```
/// long fib(long n) {
///   if (n < 2) return n;
///   auto& hub = taskhub::engine::hub();
///   auto a = hub.apply<&fib>(n - 1), b = hub.apply<&fib>(n - 2);
///   return a.get() + b.get();
/// }
/// ```
taskhub::hub& hub();

/// The communicator of all engines (and only them), for collectives inside a task that runs on
/// every engine at once. Throws in single-process mode, where engines are threads.
MPI_Comm comm();

/// The value pushed (or put) under `name` on this engine, decoded as `T`.
///
/// ```
/// hub.all().push("table", table);                       // client
/// auto& t = taskhub::engine::get<std::vector<double>>("table");   // inside a task
/// ```
template <class T>
const T& get(const std::string& name) {
  auto& e = detail::store_lookup(name);
  if (const T* cached = std::any_cast<T>(&e.cache)) return *cached;
  detail::reader in(e.data, e.size);
  e.cache = detail::decode_whole<T>(in, ("the value '" + name + "'").c_str());
  return *std::any_cast<T>(&e.cache);
}

/// Stores `value` under `name` on this engine, for later tasks and for `pull`.
template <class T>
void put(const std::string& name, T value) {
  detail::bytes encoding;
  detail::encode(encoding, value);
  auto& e = detail::store_assign(name);
  e.hold(std::move(encoding));
  e.type = detail::type_key<T>();
  e.cache = std::move(value);
}

}  // namespace taskhub::engine
