// SPDX-License-Identifier: MIT
// Part of taskhub.
// Which types cross to another rank by memcpy, which through Boost.Serialization, and which are
// refused at compile time, with one sentence.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/archive/binary_oarchive.hpp>

#include "taskhub/shippable.hpp"

namespace taskhub::detail {

// --- by memcpy: values whose bytes mean the same in another process ---------------------------
template <class T>
struct bitwise_rule : std::bool_constant<std::is_arithmetic_v<T> || std::is_enum_v<T>> {};
template <class T, std::size_t N>
struct bitwise_rule<T[N]> : bitwise_rule<std::remove_cv_t<T>> {};
template <class T, std::size_t N>
struct bitwise_rule<std::array<T, N>> : bitwise_rule<T> {};
template <class A, class B>
struct bitwise_rule<std::pair<A, B>>
    : std::bool_constant<bitwise_rule<A>::value && bitwise_rule<B>::value &&
                         std::is_trivially_copyable_v<std::pair<A, B>>> {};
template <class T>
struct bitwise_rule<std::optional<T>>
    : std::bool_constant<bitwise_rule<T>::value && std::is_trivially_copyable_v<std::optional<T>>> {};
template <class T>
struct bitwise_rule<std::complex<T>> : bitwise_rule<T> {};

/// Whether `T` goes by memcpy: by the rules above, or because its author says so.
template <class T>
inline constexpr bool is_bitwise_v =
    bitwise_rule<T>::value || (taskhub::is_bitwise<T>::value && std::is_trivially_copyable_v<T>);

// --- refused: values that point into this process's memory ------------------------------------
template <class T>
struct points_into_process : std::bool_constant<std::is_pointer_v<T> || std::is_member_pointer_v<T> ||
                                                 std::is_reference_v<T> ||
                                                 std::is_null_pointer_v<T>> {};
template <class C, class Tr>
struct points_into_process<std::basic_string_view<C, Tr>> : std::true_type {};
template <class T>
struct points_into_process<std::reference_wrapper<T>> : std::true_type {};
template <class T, class D>
struct points_into_process<std::unique_ptr<T, D>> : std::true_type {};
template <class T>
struct points_into_process<std::shared_ptr<T>> : std::true_type {};
template <class T>
struct points_into_process<std::weak_ptr<T>> : std::true_type {};
template <class S>
struct points_into_process<std::function<S>> : std::true_type {};

// --- through Boost.Serialization --------------------------------------------------------------
using probe_archive = boost::archive::binary_oarchive;

template <class T, class = void>
struct has_serialize_member : std::false_type {};
template <class T>
struct has_serialize_member<
    T, std::void_t<decltype(std::declval<T&>().serialize(std::declval<probe_archive&>(), 0u))>>
    : std::true_type {};

namespace adl_probe {
// Found by argument-dependent lookup only: a free serialize in T's own namespace, as Boost's own
// unqualified call finds it.
template <class T, class = void>
struct has_free_serialize : std::false_type {};
template <class T>
struct has_free_serialize<T, std::void_t<decltype(serialize(std::declval<probe_archive&>(),
                                                            std::declval<T&>(), 0u))>>
    : std::true_type {};
}  // namespace adl_probe

/// What Boost.Serialization itself can write, with the headers codec.hpp includes.
template <class T>
struct boost_rule
    : std::bool_constant<std::is_arithmetic_v<T> || std::is_enum_v<T> ||
                         has_serialize_member<T>::value || adl_probe::has_free_serialize<T>::value ||
                         taskhub::is_serializable<T>::value> {};
template <class T>
inline constexpr bool is_boost_serializable_v =
    !points_into_process<T>::value && boost_rule<T>::value;

template <class C, class Tr, class A>
struct boost_rule<std::basic_string<C, Tr, A>> : std::true_type {};
template <class T, class A>
struct boost_rule<std::vector<T, A>> : std::bool_constant<is_boost_serializable_v<T>> {};
template <class T, class A>
struct boost_rule<std::list<T, A>> : std::bool_constant<is_boost_serializable_v<T>> {};
template <class T, class A>
struct boost_rule<std::deque<T, A>> : std::bool_constant<is_boost_serializable_v<T>> {};
template <class T, class C, class A>
struct boost_rule<std::set<T, C, A>> : std::bool_constant<is_boost_serializable_v<T>> {};
template <class K, class V, class C, class A>
struct boost_rule<std::map<K, V, C, A>>
    : std::bool_constant<is_boost_serializable_v<K> && is_boost_serializable_v<V>> {};
template <class K, class V, class H, class E, class A>
struct boost_rule<std::unordered_map<K, V, H, E, A>>
    : std::bool_constant<is_boost_serializable_v<K> && is_boost_serializable_v<V>> {};
template <class A, class B>
struct boost_rule<std::pair<A, B>>
    : std::bool_constant<is_boost_serializable_v<A> && is_boost_serializable_v<B>> {};

// --- what the codec can write: by memcpy, through Boost, or element by element ----------------
template <class T>
struct codec_rule : std::bool_constant<is_bitwise_v<T> || is_boost_serializable_v<T>> {};
template <class T>
inline constexpr bool is_shippable_v = !points_into_process<T>::value && codec_rule<T>::value;

template <class A, class B>
struct codec_rule<std::pair<A, B>> : std::bool_constant<is_shippable_v<A> && is_shippable_v<B>> {};
template <class... Ts>
struct codec_rule<std::tuple<Ts...>> : std::bool_constant<(is_shippable_v<Ts> && ...)> {};
template <class T>
struct codec_rule<std::optional<T>> : std::bool_constant<is_shippable_v<T>> {};
template <class T, std::size_t N>
struct codec_rule<std::array<T, N>> : std::bool_constant<is_shippable_v<T>> {};
template <class T, class A>
struct codec_rule<std::vector<T, A>>
    : std::bool_constant<is_bitwise_v<T> || is_boost_serializable_v<T>> {};

/// Instantiated for every type that crosses to another rank, so that a compile error names the
/// type (in "required from shipped_type<T>") beside one sentence.
template <class T>
struct shipped_type {
  static_assert(!points_into_process<T>::value,
                "taskhub cannot ship a pointer, reference, string_view, smart pointer or "
                "std::function: it points into this process's memory; pass the value itself "
                "(std::string for a string_view, the object for a pointer, a named function "
                "for a std::function).");
  static_assert(points_into_process<T>::value || is_shippable_v<T>,
                "taskhub cannot ship this type (named above, in shipped_type<T>): give it a "
                "Boost.Serialization member `template <class A> void serialize(A& a, unsigned) "
                "{ a & field1 & field2; }`, or, if it is trivially copyable and holds no "
                "pointers, declare `template <> struct taskhub::is_bitwise<T> : std::true_type "
                "{};`.");
  static constexpr bool value = true;
};

}  // namespace taskhub::detail
