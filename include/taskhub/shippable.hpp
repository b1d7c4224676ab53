// SPDX-License-Identifier: MIT
// Part of taskhub.
// What may cross to another rank as an argument or a result, and how.
#pragma once

#include <type_traits>

namespace taskhub {

/// Specialise as `std::true_type` for a trivially copyable type of your own that holds no
/// pointers, handles or references to memory, to send it by `memcpy`:
///
/// ```
/// struct point { double x, y; };
/// template <> struct taskhub::is_bitwise<point> : std::true_type {};
/// ```
///
/// Arithmetic types, enums, and arrays, `std::array`, `std::pair`, `std::optional` and
/// `std::complex` of them go by `memcpy` without it.
template <class T>
struct is_bitwise : std::false_type {};

/// Specialise as `std::true_type` for a type whose Boost.Serialization `serialize` is a free
/// function taskhub cannot see (one in namespace boost::serialization). A `serialize` member,
/// or a free `serialize(Archive&, T&, unsigned)` in T's own namespace, is found without it.
template <class T>
struct is_serializable : std::false_type {};

}  // namespace taskhub
