// SPDX-License-Identifier: MIT
// Part of taskhub.
// Shared objects: a value sent to each engine once, which tasks take as an argument and read in
// place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "taskhub/detail/shared_blob.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub {

/// A handle on a value that crosses to each engine once (hub.share). Pass it where the shipped
/// function takes a `T` or a `const T&`: the engine reads its own copy in place. The engines drop
/// their copy once the last handle and the last unfinished task that takes it are gone.
///
/// ```
/// double slice_sum(const std::vector<double>& ref, std::size_t at);   // the shipped function
/// auto ref = hub.share(reference);                                     // client
/// auto f = hub.apply<&slice_sum>(ref, 1000);                           // ref crosses once
/// ```
template <class T>
class shared {
 public:
  using value_type = T;
  shared() = default;
  /// The object's id, the same on the hub and on every engine (0 for an empty handle).
  std::uint64_t id() const noexcept { return blob_ ? blob_->id : 0; }
  /// The bytes its encoding takes, which an engine receives once.
  std::size_t size() const noexcept { return blob_ ? blob_->size : 0; }
  explicit operator bool() const noexcept { return blob_ != nullptr; }
  const detail::blob_ptr& blob() const noexcept { return blob_; }

  /// A handle on `value`, encoded now (later changes to `value` do not reach the engines).
  static shared make(const T& value) {
    detail::bytes rec;
    rec.resize(sizeof(detail::record_header));
    detail::encode<T>(rec, value);
    return shared(detail::make_blob(detail::type_key<T>(), std::move(rec)));
  }

 private:
  explicit shared(detail::blob_ptr b) : blob_(std::move(b)) {}
  detail::blob_ptr blob_;
};

namespace detail {
template <class T>
struct is_shared_handle : std::false_type {};
template <class T>
struct is_shared_handle<shared<T>> : std::true_type {};
template <class T>
inline constexpr bool is_shared_handle_v = is_shared_handle<std::decay_t<T>>::value;
}  // namespace detail

namespace engine {
/// How many shared objects and cached arguments the calling task's engine holds (throws off an
/// engine), and the bytes of their encodings.
std::size_t objects_held();
std::size_t object_bytes_held();
}  // namespace engine

}  // namespace taskhub
