// SPDX-License-Identifier: MIT
// Part of taskhub.
// Shipping a function: what may be shipped, how its arguments are encoded on the client and
// decoded on the engine, and how it registers under an id derived from its stable name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <new>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/object_args.hpp"
#include "taskhub/detail/result_args.hpp"

namespace taskhub::detail {

/// Runs a handler: decodes arguments from `args`, appends the encoded result to `out`.
using invoke_fn = void (*)(reader& args, bytes& out);

/// The demangled type name of the exception `e` (e.g. "std::domain_error").
std::string exception_type_name(const std::exception& e);

/// Registers a handler under the hash of `stable_name` and `signature` (the mangled names of its
/// tag and of its parameter and result types: a mangled function name has no result type);
/// returns its id. Defined in the runtime.
std::uint64_t register_handler(const char* stable_name, const char* signature, invoke_fn invoke);

template <class Sig>
struct signature;
template <class R, class... A>
struct signature<R(A...)> {
  using result = R;
  using params = std::tuple<std::decay_t<A>...>;
  using declared = std::tuple<A...>;
  static constexpr std::size_t arity = sizeof...(A);
  static constexpr bool has_pointer_param = (std::is_pointer_v<std::decay_t<A>> || ...);
  static constexpr bool has_mutable_ref_param =
      ((std::is_lvalue_reference_v<A> && !std::is_const_v<std::remove_reference_t<A>>) || ...);
};

template <class T>
struct member_signature;
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...) const> : signature<R(A...)> {};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...)> : signature<R(A...)> {};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...) const noexcept> : signature<R(A...)> {};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...) noexcept> : signature<R(A...)> {};

template <class T, class = void>
struct has_single_call_operator : std::false_type {};
template <class T>
struct has_single_call_operator<T, std::void_t<decltype(&T::operator())>> : std::true_type {};

template <class F, class = void>
struct callable_signature;
template <class R, class... A>
struct callable_signature<R (*)(A...)> : signature<R(A...)> {};
template <class R, class... A>
struct callable_signature<R (*)(A...) noexcept> : signature<R(A...)> {};
template <class F>
struct callable_signature<F, std::enable_if_t<std::is_class_v<F>>>
    : member_signature<decltype(&F::operator())> {};

template <class Sig>
constexpr bool check_signature() {
  static_assert(!Sig::has_pointer_param,
                "A shipped function cannot take a pointer: ranks do not share memory, so pass the "
                "value itself.");
  static_assert(!Sig::has_mutable_ref_param,
                "A shipped function cannot take a non-const reference: changes on the engine would "
                "not come back; return the new value instead.");
  static_assert(!std::is_pointer_v<typename Sig::result> &&
                    !std::is_reference_v<typename Sig::result>,
                "A shipped function must return a value, not a pointer or reference.");
  return true;
}

/// Makes the object a shipped function-object type or captureless lambda is called through.
template <class F, bool = std::is_default_constructible_v<F>>
struct callable_instance {
  const F& get() const noexcept { return f_; }

 private:
  F f_{};
};

template <class F>
struct callable_instance<F, false> {
  // A captureless lambda's closure type is not default-constructible before C++20, but it is
  // empty and trivially copyable: an implicit-lifetime type whose object this storage provides,
  // with no state for the call to read.
  const F& get() const noexcept { return *std::launder(reinterpret_cast<const F*>(storage_)); }

 private:
  alignas(F) unsigned char storage_[sizeof(F)] = {};
};

template <class F>
inline constexpr bool is_shippable_type_v =
    std::is_default_constructible_v<F> || (std::is_empty_v<F> && std::is_trivially_copyable_v<F>);

template <class Declared, class Fn, std::size_t... I>
decltype(auto) call_decoded(reader& in, const Fn& fn, std::index_sequence<I...>) {
  // Braced initialisation decodes the arguments left to right; a slot holds an argument's value,
  // or the object an id among the arguments names (object_args.hpp).
  std::tuple<arg_slot<std::tuple_element_t<I, Declared>>...> args{
      arg_slot<std::tuple_element_t<I, Declared>>(in, I)...};
  if (in.remaining() != 0)
    throw decode_error("arguments have " + std::to_string(in.remaining()) + " bytes left over");
  return fn(std::get<I>(args).take()...);
}

template <class Sig, class Fn>
void invoke_decoded(reader& in, bytes& out, const Fn& fn) {
  using declared = typename Sig::declared;
  constexpr auto seq = std::make_index_sequence<std::tuple_size_v<declared>>{};
  if constexpr (std::is_void_v<typename Sig::result>) {
    call_decoded<declared>(in, fn, seq);
  } else {
    encode<typename Sig::result>(out, call_decoded<declared>(in, fn, seq));
  }
}

template <class Params, class... A, std::size_t... I>
std::size_t encoded_args_size_impl(std::index_sequence<I...>, const A&... a) {
  std::size_t n = 0;
  (
      [&] {
        using P = std::tuple_element_t<I, Params>;
        if constexpr (is_shared_handle_v<A>) {
          n += sizeof(std::uint64_t);
        } else if constexpr (std::is_same_v<std::decay_t<A>, P>) {
          n += encoded_size(a);
        } else {
          n += is_bitwise_v<P> ? sizeof(P) : 64;
        }
      }(),
      ...);
  return n;
}

template <class Params, class... A, std::size_t... I>
void encode_args_impl(bytes& out, [[maybe_unused]] object_refs* refs, std::index_sequence<I...>,
                      A&&... a) {
  (
      [&] {
        using P = std::tuple_element_t<I, Params>;
        if constexpr (is_future_arg<std::decay_t<A>>::value) {
          note_result_arg<wire_type_t<P>>(out, a);  // results as arguments (result_args.hpp)
        } else {
          encode_arg<wire_type_t<P>>(out, I, refs, std::forward<A>(a));  // objects (object_args.hpp)
        }
      }(),
      ...);
}

/// The bytes encode_args would write, as far as encoded_size knows.
template <class Sig, class... A>
std::size_t encoded_args_size(const A&... a) {
  using params = typename Sig::params;
  return encoded_args_size_impl<params>(std::index_sequence_for<A...>{}, a...);
}

/// Encodes `a...` as the parameters of `Sig`, converting each to its parameter type; with `refs`,
/// shared handles and large arguments go as object ids, listed in `refs`.
template <class Sig, class... A>
void encode_args(bytes& out, object_refs* refs, A&&... a) {
  static_assert(sizeof...(A) == Sig::arity,
                "The number of arguments does not match the shipped function's parameters.");
  using params = typename Sig::params;
  encode_args_impl<params>(out, refs, std::index_sequence_for<A...>{}, std::forward<A>(a)...);
}

template <auto Fn>
struct fn_tag {};
template <class F>
struct type_tag {};

/// The handler of a function named as a template argument: `hub.apply<&f>(...)`.
template <auto Fn>
struct function_handler {
  using sig = callable_signature<decltype(Fn)>;
  static_assert(check_signature<sig>());
  static constexpr auto callable() { return Fn; }
  static void invoke(reader& in, bytes& out) { invoke_decoded<sig>(in, out, Fn); }
  static const std::uint64_t id;
};
template <auto Fn>
const std::uint64_t function_handler<Fn>::id =
    register_handler(typeid(fn_tag<Fn>).name(), typeid(typename function_handler<Fn>::sig).name(),
                     &function_handler<Fn>::invoke);

template <class F>
struct is_std_function : std::false_type {};
template <class S>
struct is_std_function<std::function<S>> : std::true_type {};

/// The handler of a function-object type or captureless lambda: `hub.apply<square>(...)`.
template <class F>
struct object_handler {
  static_assert(!is_std_function<F>::value,
                "A std::function cannot be shipped: it holds code and data of this process; name "
                "the function itself (hub.apply<&f>(...)) or pass a captureless lambda.");
  static_assert(is_std_function<F>::value || is_shippable_type_v<F>,
                "A capturing lambda cannot be shipped to another rank: pass what it captures as "
                "arguments instead.");
  static_assert(has_single_call_operator<F>::value,
                "A shipped function object needs exactly one non-template operator().");
  using sig = callable_signature<F>;
  static_assert(check_signature<sig>());
  static const F& callable() {
    static const callable_instance<F> f;
    return f.get();
  }
  static void invoke(reader& in, bytes& out) { invoke_decoded<sig>(in, out, callable()); }
  static const std::uint64_t id;
};
template <class F>
const std::uint64_t object_handler<F>::id =
    register_handler(typeid(type_tag<F>).name(), typeid(typename object_handler<F>::sig).name(),
                     &object_handler<F>::invoke);

/// The handler of a function object passed by value (`hub.apply(f, ...)`): only its type
/// crosses to the engine, so an object with data members is refused rather than called there
/// without them.
template <class F>
struct object_value_handler : object_handler<F> {
  static_assert(std::is_empty_v<F> || is_std_function<F>::value || !is_shippable_type_v<F>,
                "A function object with data members cannot be passed by value: only its type "
                "crosses to the engine, so the members would be lost there; pass them as "
                "arguments (hub.apply<F>(k, x) with operator()(double k, double x)) instead.");
};

/// Maps what the user names (a function pointer value or a type) to its handler.
template <auto Fn>
using handler_of_fn = function_handler<Fn>;
template <class F>
using handler_of_type = object_handler<std::decay_t<F>>;

}  // namespace taskhub::detail
