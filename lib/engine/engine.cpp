// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a task asks of its engine (taskhub/engine.hpp): its rank, communicator, tags, hub, and
// the engine-resident store.
#include "taskhub/engine.hpp"

#include "core/ending.hpp"
#include "core/registry.hpp"
#include "engine/engine_loop.hpp"
#include "taskhub/detail/object_args.hpp"

namespace taskhub::detail {
namespace {

// Built-in handlers of the engine-resident store. A value travels as its own encoding, so the
// client decodes a pulled value with the same codec it encoded a pushed one; the key of its type
// travels beside it. A large pushed value comes as an object (sent once per engine, apart from
// its task), whose bytes the store keeps as they arrived.

// Makes the store entry co-own the bytes of the object `o`, so the value outlives the object
// cache's hold on it.
void hold_object(store_entry& e, const object_entry& o, const std::string& name) {
  if (!o.data)
    throw error("the object pushed as '" + name + "' was read as a shared object already");
  e.owner = o.owner;
  e.data = o.data;
  e.size = o.size;
}

// A count, then per value: its name, its type key, and either its encoding, length first, or,
// when bit i of the task's object positions is set, the id of the object that holds it.
void store_put(reader& in, bytes&) {
  const auto count = decode<std::uint32_t>(in);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto name = decode<std::string>(in);
    const auto type = decode<std::uint64_t>(in);
    if (i < 64 && ((object_positions >> i) & 1) != 0) {
      const object_entry& o = find_object(decode<std::uint64_t>(in), type);
      auto& e = store_assign(name);
      hold_object(e, o, name);
      e.type = type;
    } else {
      const auto n = decode<std::uint64_t>(in);
      const char* p = in.take(n);
      auto& e = store_assign(name);
      e.hold(bytes(p, p + n));
      e.type = type;
    }
  }
}

// Whether to answer the type keys too, a count, then the names; answers per name (its type
// key and) its encoding, so the values of several names read back as one tuple.
void store_get(reader& in, bytes& out) {
  const bool is_typed = decode<std::uint8_t>(in) != 0;
  const auto count = decode<std::uint32_t>(in);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto& e = store_lookup(decode<std::string>(in));
    if (is_typed) encode(out, e.type);
    put_raw(out, e.data, e.size);
  }
}

// Whether to clear every name; if not, the one name to remove (absent names are no error).
void store_clear(reader& in, bytes&) {
  auto& store = current_engine("taskhub::clear").store();
  if (decode<std::uint8_t>(in) != 0) {
    store.clear();
  } else {
    store.erase(decode<std::string>(in));
  }
}

const std::uint64_t store_put_id = register_handler("taskhub::store_put", "", &store_put);
const std::uint64_t store_get_id = register_handler("taskhub::store_get", "", &store_get);
const std::uint64_t store_clear_id = register_handler("taskhub::store_clear", "", &store_clear);

}  // namespace

std::uint64_t store_put_handler() { return store_put_id; }
std::uint64_t store_get_handler() { return store_get_id; }
std::uint64_t store_clear_handler() { return store_clear_id; }

store_entry& store_lookup(const std::string& name) {
  auto& e = current_engine("taskhub::engine::get");
  auto it = e.store().find(name);
  if (it == e.store().end())
    throw error("engine " + std::to_string(e.rank()) + " has no value named '" + name +
                "' (it was never pushed or put there, or it was cleared)");
  return it->second;
}

store_entry& store_assign(const std::string& name) {
  auto& entry = current_engine("taskhub::engine::put").store()[name];
  entry.cache.reset();
  return entry;
}

}  // namespace taskhub::detail

namespace taskhub::engine {

int rank() {
  if (const int r = detail::isolated_rank(); r >= 0) return r;
  return detail::current_engine("taskhub::engine::rank").rank();
}

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

taskhub::traffic traffic() { return detail::current_engine("taskhub::engine::traffic").traffic(); }

bool is_ending() { return detail::is_ending(); }

}  // namespace taskhub::engine
