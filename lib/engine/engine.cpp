// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a task asks of its engine (taskhub/engine.hpp): its rank, communicator, tags, hub, and
// the engine-resident store.
#include "taskhub/engine.hpp"

#include "core/registry.hpp"
#include "engine/engine_loop.hpp"

namespace taskhub::detail {
namespace {

// Built-in handlers of the engine-resident store. A value travels as its own encoding, so the
// client decodes a pulled value with the same codec it encoded a pushed one.
void store_put(reader& in, bytes&) {
  auto name = decode<std::string>(in);
  const auto n = in.remaining();
  const char* p = in.take(n);
  auto& e = store_assign(name);
  e.data.assign(p, p + n);
}

void store_get(reader& in, bytes& out) {
  auto name = decode<std::string>(in);
  const auto& e = store_lookup(name);
  put_raw(out, e.data.data(), e.data.size());
}

const std::uint64_t store_put_id = register_handler("taskhub::store_put", "", &store_put);
const std::uint64_t store_get_id = register_handler("taskhub::store_get", "", &store_get);

}  // namespace

std::uint64_t store_put_handler() { return store_put_id; }
std::uint64_t store_get_handler() { return store_get_id; }

store_entry& store_lookup(const std::string& name) {
  auto& e = current_engine("taskhub::engine::get");
  auto it = e.store().find(name);
  if (it == e.store().end())
    throw error("engine " + std::to_string(e.rank()) + " has no value named '" + name + "'");
  return it->second;
}

store_entry& store_assign(const std::string& name) {
  auto& entry = current_engine("taskhub::engine::put").store()[name];
  entry.cache.reset();
  return entry;
}

}  // namespace taskhub::detail

namespace taskhub::engine {

int rank() { return detail::current_engine("taskhub::engine::rank").rank(); }

MPI_Comm comm() {
  auto& e = detail::current_engine("taskhub::engine::comm");
  if (e.comm() == MPI_COMM_NULL)
    throw error("taskhub::engine::comm has no communicator in single-process mode");
  return e.comm();
}

const std::vector<std::string>& tags() {
  return detail::current_engine("taskhub::engine::tags").tags();
}

taskhub::hub& hub() { return detail::current_engine("taskhub::engine::hub").hub(); }

}  // namespace taskhub::engine
