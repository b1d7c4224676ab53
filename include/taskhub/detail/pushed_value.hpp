// SPDX-License-Identifier: MIT
// Part of taskhub.
// Values a direct view pushes: each encoded once for all engines, and past the cache threshold
// sent to each engine once, as an object its store keeps without a copy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/shared_blob.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

/// A named value on its way to the engines' stores.
struct pushed_value {
  std::string name;
  blob_ptr blob;           // the encoding, as an object record
  bool is_object = false;  // sent apart once per engine; otherwise copied into each task
};

/// The pushed value of `encoding`, which holds a record header's room, then the value of the
/// type keyed `type`; an object when the encoding reaches the cache threshold (defined in the
/// runtime).
pushed_value make_pushed(std::string name, std::uint64_t type, bytes encoding);

/// `value`, encoded once, to push under `name`.
template <class T>
pushed_value pushed(const std::string& name, const T& value) {
  bytes rec;
  rec.resize(sizeof(record_header));
  encode(rec, value);
  return make_pushed(name, type_key<T>(), std::move(rec));
}

/// Submits one store_put task per rank of `ranks`, each storing every value of `values`
/// (defined in the runtime).
std::vector<task_ptr> submit_store_puts(client_core& hub, const std::vector<int>& ranks,
                                        const std::vector<pushed_value>& values);

}  // namespace taskhub::detail
