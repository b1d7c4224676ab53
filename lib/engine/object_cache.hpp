// SPDX-License-Identifier: MIT
// Part of taskhub.
// The shared objects and cached arguments an engine holds, within its budget.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/object_memory.hpp"
#include "taskhub/detail/object_args.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

class object_cache {
 public:
  /// `budget`: the most bytes of encodings it holds (0: no limit).
  object_cache(int rank, std::size_t budget) : rank_(rank), budget_(budget) {}
  /// Keeps the object of an `object` record, whose payload lives in `batch`. Past the budget it
  /// keeps only why not: the tasks that take the object fail saying so.
  void keep(const record_header& h, const char* payload, std::shared_ptr<const bytes> batch);
  /// Keeps the object of an `object_mapped` record by mapping the node's copy it names. When it
  /// cannot, it keeps why: the tasks that take the object fail saying so.
  void keep_mapped(const record_header& h, const char* payload);
  void drop(std::uint64_t id);
  /// The object `id`, of the type keyed `type`; throws taskhub::error saying why it is missing.
  object_entry& find(std::uint64_t id, std::uint64_t type);
  std::size_t count() const { return entries_.size(); }
  std::size_t bytes_held() const { return held_; }

 private:
  struct slot {
    object_entry entry;
    std::size_t size = 0;
  };
  const int rank_;
  const std::size_t budget_;
  std::size_t held_ = 0;
  std::unordered_map<std::uint64_t, slot> entries_;
  std::unordered_map<std::uint64_t, std::string> refused_;  // why an object is not kept

  /// Makes room for an object of `size` bytes, or keeps why not and returns null.
  slot* make_slot(const record_header& h, std::size_t size);
};

/// Settles the engine budget of shared objects (--taskhub-share-budget) before engines start.
void set_object_budget(std::size_t bytes);
std::size_t object_budget();

}  // namespace taskhub::detail
