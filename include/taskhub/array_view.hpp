// SPDX-License-Identifier: MIT
// Part of taskhub.
// A read-only run of elements a shipped function reads where they lie, without a copy.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "taskhub/detail/shipping_rules.hpp"

namespace taskhub {

/// What a shipped function may take instead of a `const std::vector<T>&` (T bitwise): the
/// engine reads the elements where they already lie, in the task's message or, for a shared
/// std::vector<T> (hub.share), in the one copy the engines of a node map, so a node holds the
/// object once, not once per engine. `std::string_view` does the same for a std::string. The
/// caller passes a std::vector<T>, an array_view<T> or a shared<std::vector<T>>. Valid during
/// the call only.
///
/// ```
/// double slice_sum(taskhub::array_view<double> ref, std::size_t at);  // the shipped function
/// auto f = hub.apply<&slice_sum>(hub.share(reference), 1000);
/// ```
template <class T>
class array_view {
  static_assert(detail::is_bitwise_v<T>, "array_view holds bitwise elements (numbers, PODs)");

 public:
  using value_type = T;
  array_view() = default;
  array_view(const T* data, std::size_t size) : data_(data), size_(size) {}
  array_view(const std::vector<T>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT: implicit
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  explicit operator std::vector<T>() const { return std::vector<T>(begin(), end()); }

 private:
  const T* data_ = nullptr;
  std::size_t size_ = 0;
};

namespace detail {

/// A parameter type as it travels: a view (array_view<T>, std::string_view) goes as the value it
/// views (std::vector<T>, std::string); any other type as itself.
template <class P>
struct view_rule {
  using wire = P;
  static constexpr bool is_view = false;
};
template <class T>
struct view_rule<array_view<T>> {
  using wire = std::vector<T>;
  static constexpr bool is_view = true;
};
template <>
struct view_rule<std::string_view> {
  using wire = std::string;
  static constexpr bool is_view = true;
};
template <class P>
using wire_type_t = typename view_rule<P>::wire;

}  // namespace detail
}  // namespace taskhub
