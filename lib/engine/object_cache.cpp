// SPDX-License-Identifier: MIT
// Part of taskhub.
// Keeping, finding and dropping an engine's shared objects.
#include "engine/object_cache.hpp"

#include <atomic>
#include <cstring>

#include "core/registry.hpp"
#include "engine/engine_loop.hpp"
#include "taskhub/error.hpp"

namespace taskhub::detail {
namespace {

std::atomic<std::size_t> budget{0};

std::string mib(std::size_t n) {
  return std::to_string((n + (std::size_t(1) << 19)) >> 20) + " MiB";
}

std::string object_text(std::uint64_t id) {
  const std::uint64_t content_bit = std::uint64_t(1) << 63;
  return ((id & content_bit) != 0 ? "cached argument " : "shared object ") +
         std::to_string(id & ~content_bit);
}

}  // namespace

void set_object_budget(std::size_t bytes) { budget.store(bytes); }
std::size_t object_budget() { return budget.load(); }

object_cache::slot* object_cache::make_slot(const record_header& h, std::size_t size) {
  if (entries_.count(h.task)) return nullptr;
  if (budget_ != 0 && held_ + size > budget_) {
    refused_[h.task] = object_text(h.task) + " (" + std::to_string(size) +
                       " bytes) does not fit the share budget of engine " + std::to_string(rank_) +
                       ": " + mib(held_) + " of " + mib(budget_) +
                       " held; raise --taskhub-share-budget or let handles go";
    return nullptr;
  }
  slot& s = entries_[h.task];
  s.size = size;
  s.entry.type = h.handler;
  s.entry.size = size;
  held_ += size;
  return &s;
}

void object_cache::keep(const record_header& h, const char* payload,
                        std::shared_ptr<const bytes> batch) {
  slot* s = make_slot(h, static_cast<std::size_t>(h.length));
  if (!s) return;
  s->entry.owner = std::move(batch);
  s->entry.data = payload;
}

void object_cache::keep_mapped(const record_header& h, const char* payload) {
  object_place p;
  if (h.length != sizeof p) {
    refused_[h.task] = object_text(h.task) + " came to engine " + std::to_string(rank_) +
                       " with a malformed place in node memory";
    return;
  }
  std::memcpy(&p, payload, sizeof p);
  std::shared_ptr<const void> owner;
  const char* data = nullptr;
  try {
    owner = map_object_memory(p, data);
  } catch (const std::exception& e) {
    refused_[h.task] =
        object_text(h.task) + " is not on engine " + std::to_string(rank_) + ": " + e.what();
    return;
  }
  slot* s = make_slot(h, static_cast<std::size_t>(p.size));
  if (!s) return;
  s->entry.owner = std::move(owner);
  s->entry.data = data;
  s->entry.is_node_copy = true;
}

void object_cache::drop(std::uint64_t id) {
  refused_.erase(id);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  held_ -= it->second.size;
  entries_.erase(it);
}

object_entry& object_cache::find(std::uint64_t id, std::uint64_t type) {
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    if (auto r = refused_.find(id); r != refused_.end()) throw error(r->second);
    throw error("engine " + std::to_string(rank_) + " holds no " + object_text(id) +
                ": it was never sent here, or it was released");
  }
  if (it->second.entry.type != type)
    throw error(object_text(id) + " on engine " + std::to_string(rank_) +
                " holds another type than the function's parameter");
  return it->second.entry;
}

object_entry& find_object(std::uint64_t id, std::uint64_t type) {
  return current_engine("taskhub::shared").objects().find(id, type);
}

}  // namespace taskhub::detail

namespace taskhub::engine {

std::size_t objects_held() {
  return detail::current_engine("taskhub::engine::objects_held").objects().count();
}
std::size_t object_bytes_held() {
  return detail::current_engine("taskhub::engine::object_bytes_held").objects().bytes_held();
}

}  // namespace taskhub::engine
