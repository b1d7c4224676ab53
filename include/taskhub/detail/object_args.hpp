// SPDX-License-Identifier: MIT
// Part of taskhub.
// Arguments that travel as an object id instead of their bytes: a shared<T> handle, or a large
// argument cached by its content. The client writes the id; the engine reads the object it holds.
#pragma once

#include <any>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

#include "taskhub/array_view.hpp"
#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/shared_blob.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/shared.hpp"

namespace taskhub::detail {

/// Which arguments of the task running on this thread are object ids (bit i for argument i); the
/// engine sets it around each call.
inline thread_local std::uint64_t object_positions = 0;

/// An object an engine holds: its encoding until a task first reads it, then the value (and the
/// encoding still, when it lies in the node's memory).
struct object_entry {
  std::uint64_t type = 0;
  std::any value;
  std::shared_ptr<const void> owner;  // the message or node memory the encoding lies in
  bool is_node_copy = false;          // in node memory, which costs this engine nothing to keep
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
  if (!e.is_node_copy) {
    e.owner.reset();
    e.data = nullptr;
  }
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
class value_slot {
  using P = std::decay_t<A>;
  static constexpr bool is_by_ref = std::is_lvalue_reference_v<A>;

 public:
  value_slot(reader& in, std::size_t i) {
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

/// Argument `i` of a call on the engine declared as a view (array_view<T>, std::string_view): it
/// views the elements where they lie, in the task's message or in the object the engine holds
/// (the node's one copy, when the engine maps it). Elements that lie misaligned for `T` are
/// copied into the slot.
template <class A>
class view_slot {
  using P = std::decay_t<A>;
  using W = wire_type_t<P>;

 public:
  view_slot(reader& in, std::size_t i) {
    if (i >= 64 || ((object_positions >> i) & 1) == 0) {
      view_ = read(in);
      return;
    }
    const std::uint64_t id = decode<std::uint64_t>(in);
    object_entry& e = find_object(id, type_key<W>());
    if (!e.data) {  // decoded already by a task that took the value
      view_ = P(*std::any_cast<W>(&e.value));
      return;
    }
    owner_ = e.owner;  // a task that decodes the value meanwhile lets go of the encoding
    reader whole(e.data, e.size);
    view_ = read(whole);
    if (whole.remaining() != 0)
      throw decode_error("shared object " + std::to_string(id) + " has " +
                         std::to_string(whole.remaining()) + " bytes left over");
  }
  const P& take() const { return view_; }

 private:
  P read(reader& in) {
    const auto n = decode<std::uint64_t>(in);
    if constexpr (std::is_same_v<P, std::string_view>) {
      return P(in.take(static_cast<std::size_t>(n)), static_cast<std::size_t>(n));
    } else {
      using T = typename P::value_type;
      if (n > in.remaining() / sizeof(T)) throw decode_error("payload truncated: vector too short");
      const char* p = in.take(static_cast<std::size_t>(n) * sizeof(T));
      if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) == 0)
        return P(reinterpret_cast<const T*>(p), static_cast<std::size_t>(n));
      copy_.emplace(static_cast<std::size_t>(n));
      if (n != 0) std::memcpy(copy_->data(), p, static_cast<std::size_t>(n) * sizeof(T));
      return P(*copy_);
    }
  }

  P view_;
  std::optional<W> copy_;
  std::shared_ptr<const void> owner_;
};

template <class A>
using arg_slot =
    std::conditional_t<view_rule<std::decay_t<A>>::is_view, view_slot<A>, value_slot<A>>;

}  // namespace taskhub::detail
