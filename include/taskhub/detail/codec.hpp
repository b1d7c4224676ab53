// SPDX-License-Identifier: MIT
// Part of taskhub.
// How values become bytes and back: bitwise types (shipping_rules.hpp) by memcpy, vectors of
// them and strings by length and memcpy, everything else through a Boost.Serialization binary
// archive; what cannot cross to another rank is refused at compile time.
#pragma once

#include <algorithm>

#include <boost/archive/binary_oarchive.hpp>
#include "taskhub/detail/bounded_iarchive.hpp"  // before the serialization headers, as Boost asks
#include <boost/serialization/deque.hpp>
#include <boost/serialization/list.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/set.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/unordered_map.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <cstring>
#include <streambuf>
#include <string>
#include <memory>
#include <optional>
#include <array>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "taskhub/detail/block_pool.hpp"
#include "taskhub/detail/shipping_rules.hpp"
#include "taskhub/error.hpp"

namespace taskhub::detail {

/// An allocator that leaves new elements uninitialised: byte buffers are always written before
/// they are read, and zeroing a megabyte before overwriting it costs as much as the copy.
template <class T>
struct uninit_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = uninit_allocator<U>;
  };
  uninit_allocator() = default;
  template <class U>
  uninit_allocator(const uninit_allocator<U>&) noexcept {}
  // Small buffers come from the block pool: most messages and requests are a few dozen bytes.
  T* allocate(std::size_t n) {
    if (n * sizeof(T) <= largest_block) return static_cast<T*>(take_block(n * sizeof(T)));
    return std::allocator<T>::allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) <= largest_block) return give_block(p, n * sizeof(T));
    std::allocator<T>::deallocate(p, n);
  }
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using bytes = std::vector<char, uninit_allocator<char>>;

/// Appends raw bytes to the end of a buffer.
inline void put_raw(bytes& out, const void* data, std::size_t n) {
  if (n == 0) return;
  const std::size_t at = out.size();
  if (out.capacity() - at < n) out.reserve(std::max(at + n, 2 * out.capacity()));
  out.resize(at + n);  // leaves the new bytes uninitialised (uninit_allocator)
  std::memcpy(out.data() + at, data, n);
}

/// Reads raw bytes from a span, failing with decode_error when it runs short.
class reader {
 public:
  reader(const char* data, std::size_t size) : at_(data), end_(data + size) {}
  const char* take(std::size_t n) {
    if (static_cast<std::size_t>(end_ - at_) < n)
      throw decode_error("payload truncated: wanted " + std::to_string(n) + " more bytes, " +
                         std::to_string(end_ - at_) + " left");
    const char* p = at_;
    at_ += n;
    return p;
  }
  void get(void* into, std::size_t n) {
    if (n != 0) std::memcpy(into, take(n), n);
  }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - at_); }

 private:
  const char* at_;
  const char* end_;
};

/// A streambuf that appends to a byte vector (for Boost archives).
class append_streambuf : public std::streambuf {
 public:
  explicit append_streambuf(bytes& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    put_raw(out_, s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_.push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }

 private:
  bytes& out_;
};

/// A streambuf that reads a span of bytes (for Boost archives).
class span_streambuf : public std::streambuf {
 public:
  span_streambuf(const char* data, std::size_t n) {
    char* p = const_cast<char*>(data);  // read-only use: get area only
    setg(p, p, p + n);
  }
};

/// Encodes and decodes one type; specialised below for the fast paths.
template <class T, class = void>
struct codec {
  static_assert(shipped_type<T>::value);
  static void put(bytes& out, const T& v) {
    if constexpr (is_shippable_v<T>) put_archived(out, v);
  }
  static T get(reader& in) {
    if constexpr (is_shippable_v<T>) return get_archived(in);
    else throw decode_error("not shippable");
  }

 private:
  static void put_archived(bytes& out, const T& v) {
    const auto at = out.size();
    std::uint64_t n = 0;
    put_raw(out, &n, sizeof n);
    {
      append_streambuf sb(out);
      boost::archive::binary_oarchive ar(sb, boost::archive::no_header | boost::archive::no_codecvt);
      ar << v;
    }
    n = out.size() - at - sizeof n;
    std::memcpy(out.data() + at, &n, sizeof n);
  }
  static T get_archived(reader& in) {
    std::uint64_t n = 0;
    in.get(&n, sizeof n);
    const char* p = in.take(n);
    try {
      span_streambuf sb(p, n);
      bounded_iarchive ar(sb, boost::archive::no_header | boost::archive::no_codecvt);
      T v{};
      ar >> v;
      return v;
    } catch (const decode_error&) {
      throw;
    } catch (const std::exception& e) {
      throw decode_error(std::string("Boost.Serialization could not read the value: ") + e.what());
    }
  }
};

template <class T>
struct codec<T, std::enable_if_t<is_bitwise_v<T>>> {
  static void put(bytes& out, const T& v) { put_raw(out, &v, sizeof v); }
  static T get(reader& in) {
    T v;
    in.get(&v, sizeof v);
    return v;
  }
};

template <class T>
struct codec<std::vector<T>, std::enable_if_t<is_bitwise_v<T> && !std::is_same_v<T, bool>>> {
  static void put(bytes& out, const std::vector<T>& v) {
    const std::uint64_t n = v.size();
    put_raw(out, &n, sizeof n);
    put_raw(out, v.data(), n * sizeof(T));
  }
  static std::vector<T> get(reader& in) {
    std::uint64_t n = 0;
    in.get(&n, sizeof n);
    if (n > in.remaining() / sizeof(T)) throw decode_error("payload truncated: vector too short");
    if constexpr (std::is_integral_v<T> && sizeof(T) == 1) {  // bytes: copied, not zeroed first
      const char* p = in.take(n);
      return std::vector<T>(p, p + n);
    }
    std::vector<T> v(n);
    in.get(v.data(), n * sizeof(T));
    return v;
  }
};

template <>
struct codec<std::string> {
  static void put(bytes& out, const std::string& s) {
    const std::uint64_t n = s.size();
    put_raw(out, &n, sizeof n);
    put_raw(out, s.data(), n);
  }
  static std::string get(reader& in) {
    std::uint64_t n = 0;
    in.get(&n, sizeof n);
    const char* p = in.take(n);
    return std::string(p, n);
  }
};

/// A tuple as its elements one after the other (Boost.Serialization 1.74 has no std::tuple), so
/// the values of several names pulled at once decode as one tuple.
template <class... Ts>
struct codec<std::tuple<Ts...>, std::enable_if_t<!is_bitwise_v<std::tuple<Ts...>>>> {
  static void put(bytes& out, const std::tuple<Ts...>& v) {
    std::apply([&](const Ts&... e) { (codec<Ts>::put(out, e), ...); }, v);
  }
  static std::tuple<Ts...> get(reader& in) {
    return std::tuple<Ts...>{codec<Ts>::get(in)...};  // braces: read in order
  }
};

/// A pair, an optional and an array whose elements are not all bitwise: element by element.
template <class A, class B>
struct codec<std::pair<A, B>, std::enable_if_t<!is_bitwise_v<std::pair<A, B>>>> {
  static void put(bytes& out, const std::pair<A, B>& v) {
    codec<A>::put(out, v.first);
    codec<B>::put(out, v.second);
  }
  static std::pair<A, B> get(reader& in) {
    A a = codec<A>::get(in);
    return {std::move(a), codec<B>::get(in)};
  }
};

template <class T>
struct codec<std::optional<T>, std::enable_if_t<!is_bitwise_v<std::optional<T>>>> {
  static void put(bytes& out, const std::optional<T>& v) {
    const std::uint8_t has = v.has_value() ? 1 : 0;
    put_raw(out, &has, 1);
    if (v) codec<T>::put(out, *v);
  }
  static std::optional<T> get(reader& in) {
    std::uint8_t has = 0;
    in.get(&has, 1);
    if (has > 1) throw decode_error("an optional's flag is " + std::to_string(has) + ", not 0 or 1");
    if (!has) return std::nullopt;
    return codec<T>::get(in);
  }
};

template <class T, std::size_t N>
struct codec<std::array<T, N>, std::enable_if_t<!is_bitwise_v<std::array<T, N>>>> {
  static void put(bytes& out, const std::array<T, N>& v) {
    for (const auto& e : v) codec<T>::put(out, e);
  }
  static std::array<T, N> get(reader& in) {
    std::array<T, N> v;
    for (auto& e : v) e = codec<T>::get(in);
    return v;
  }
};

template <class T>
struct is_bitwise_vector : std::false_type {};
template <class T, class A>
struct is_bitwise_vector<std::vector<T, A>>
    : std::bool_constant<is_bitwise_v<T> && !std::is_same_v<T, bool>> {};

/// A guess of the bytes encode(v) appends: exact for the fast paths.
template <class T>
std::size_t encoded_size(const T& v) {
  if constexpr (is_bitwise_v<T>) {
    return sizeof(T);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return sizeof(std::uint64_t) + v.size();
  } else if constexpr (is_bitwise_vector<T>::value) {
    return sizeof(std::uint64_t) + v.size() * sizeof(typename T::value_type);
  } else {
    return 64;
  }
}

/// Appends the encoding of `v` to `out`.
template <class T>
void encode(bytes& out, const T& v) {
  codec<T>::put(out, v);
}

/// Reads one `T` written by encode<T>.
template <class T>
T decode(reader& in) {
  return codec<T>::get(in);
}

/// Reads one `T` that must be all `in` holds: bytes left over mean the writer encoded another
/// type (`what` names the value in the error).
template <class T>
T decode_whole(reader& in, const char* what) {
  T v = codec<T>::get(in);
  if (in.remaining() != 0)
    throw decode_error(std::string(what) + " has " + std::to_string(in.remaining()) +
                       " bytes left over: it was encoded as another type");
  return v;
}

/// A key of the type `T` (a hash of its mangled name), the same on every rank of one binary: the
/// engine store keeps it beside each value, so a gather can tell an element from a vector.
template <class T>
std::uint64_t type_key() {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (const char* c = typeid(T).name(); *c; ++c)
    h = (h ^ static_cast<unsigned char>(*c)) * 1099511628211ull;
  return h;
}

}  // namespace taskhub::detail
