// SPDX-License-Identifier: MIT
// Part of taskhub.
// Arguments that travel as an object id instead of their bytes: a shared<T> handle, or a large
// argument cached by its content. The client writes the id; the engine reads the object it holds.
#pragma once

#include <any>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/shared_blob.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/shared.hpp"

namespace taskhub::detail {

/// Which arguments of the task running on this thread are object ids (bit i for argument i); the
/// engine sets it around each call.
inline thread_local std::uint64_t object_positions = 0;

/// An object an engine holds: its encoding until a task first reads it, then the value.
struct object_entry {
  std::uint64_t type = 0;
  std::any value;
  std::shared_ptr<const bytes> batch;  // the message the encoding came in, until decoded
  const char* data = nullptr;
  std::size_t size = 0;
};

/// The object `id` on the current engine, checked to be of the type keyed `type`; throws
/// taskhub::error saying why it is missing (defined in the runtime).
object_entry& find_object(std::uint64_t id, std::uint64_t type);

/// The object `id` on the current engine, decoded as `T` on first use.
template <class T>
const T& object_value(std::uint64_t id) {
  object_entry& e = find_object(id, type_key<T>());
  if (const T* v = std::any_cast<T>(&e.value)) return *v;
  reader in(e.data, e.size);
  e.value = decode_whole<T>(in, ("shared object " + std::to_string(id)).c_str());
  e.batch.reset();
  e.data = nullptr;
  return *std::any_cast<T>(&e.value);
}

/// Writes argument `i`, a `P`, to `out`: as an object id when it is a shared handle or, with
/// `refs`, when its encoding reaches the cache threshold and was seen lately; as its bytes
/// otherwise.
template <class P, class A>
void encode_arg(bytes& out, std::size_t i, object_refs* refs, A&& a) {
  if constexpr (is_shared_handle_v<A>) {
    static_assert(std::is_same_v<typename std::decay_t<A>::value_type, P>,
                  "A shared<T> handle goes where the shipped function takes a T or a const T&.");
    if (!refs || !a) throw error("an empty shared<T> handle cannot be passed to a task");
    refs->positions |= std::uint64_t(1) << i;
    refs->objects.push_back(a.blob());
    encode<std::uint64_t>(out, a.id());
  } else {
    const auto at = out.size();
    if constexpr (std::is_same_v<std::decay_t<A>, P>) {
      encode<P>(out, a);
    } else {
      encode<P>(out, P(std::forward<A>(a)));
    }
    const std::size_t threshold = cache_threshold();
    const std::size_t n = out.size() - at;  // past a record's most, the task fails as too large
    if (!refs || !refs->may_cache || threshold == 0 || n < threshold || i >= 64 ||
        n > max_record_bytes - sizeof(record_header))
      return;
    if (!is_seen_lately(type_key<P>(), out.data() + at, n)) return;  // a first sighting: inline
    auto blob = cached_blob(type_key<P>(), out.data() + at, n);
    out.resize(at);
    refs->positions |= std::uint64_t(1) << i;
    encode<std::uint64_t>(out, blob->id);
    refs->objects.push_back(std::move(blob));
  }
}

// GCC 12 takes the optional a reference slot leaves empty for one read before it is set.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/// Argument `i` of a call on the engine, declared as `A`: its value decoded from the task, or the
/// object the engine holds, read in place when `A` is a const reference.
template <class A>
class arg_slot {
  using P = std::decay_t<A>;
  static constexpr bool is_by_ref = std::is_lvalue_reference_v<A>;

 public:
  arg_slot(reader& in, std::size_t i) {
    if (i < 64 && ((object_positions >> i) & 1)) {
      const P& o = object_value<P>(decode<std::uint64_t>(in));
      if constexpr (is_by_ref) {
        ref_ = &o;
      } else {
        value_.emplace(o);
      }
    } else {
      value_.emplace(decode<P>(in));
    }
  }
  decltype(auto) take() {
    if constexpr (is_by_ref) {
      return ref_ ? *ref_ : static_cast<const P&>(*value_);
    } else {
      return std::move(*value_);
    }
  }

 private:
  std::optional<P> value_;
  const P* ref_ = nullptr;
};
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace taskhub::detail
