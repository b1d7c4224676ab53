// SPDX-License-Identifier: MIT
// Part of taskhub.
// Direct views: tasks on chosen engines, and values pushed to and pulled from them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "taskhub/detail/map_start.hpp"
#include "taskhub/detail/pushed_value.hpp"
#include "taskhub/detail/submit.hpp"
#include "taskhub/future_set.hpp"
#include "taskhub/load_balanced_view.hpp"

namespace taskhub {

/// Asks scatter to store a part of one element as the element, and gather to take such parts
/// back (IPython parallel's `flatten=True`): `view.scatter("x", xs, taskhub::flatten)`.
struct flatten_t {
  explicit constexpr flatten_t() = default;
};
/// The flatten switch of scatter and gather.
inline constexpr flatten_t flatten{};

/// Tasks sent to chosen engines, bypassing the scheduler, and the values stored on them.
///
/// ```
/// auto ranks = hub.all().apply<&hostname>().get();   // one result per engine
/// hub.all().push("k", 3, "name", std::string("x"));   // values tasks read with engine::get
/// auto [k, name] = hub.view(1).pull<int, std::string>({"k", "name"}).get().front();
/// ```
class direct_view {
 public:
  direct_view(detail::client_core& hub, std::vector<int> ranks)
      : hub_(&hub), ranks_(std::move(ranks)) {}

  /// The engine ranks this view sends to, in order.
  const std::vector<int>& engines() const { return ranks_; }

  /// A load-balanced view of the same engines, its tasks with `opts` besides (IPython's
  /// `client.load_balanced_view(targets=...)`); throws taskhub::error if the view is empty.
  load_balanced_view load_balanced(task_options opts = task_options()) const {
    opts.targets(detail::checked_targets(*hub_, ranks_));
    return load_balanced_view(*hub_, std::move(opts));
  }

  /// Runs the function named `Fn` once on each engine of the view.
  template <auto Fn, class... A>
  auto apply(const A&... a) {
    return each<detail::handler_of_fn<Fn>>(a...);
  }
  /// Runs the function-object type `F` once on each engine of the view.
  template <class F, class... A>
  auto apply(const A&... a) {
    return each<detail::handler_of_type<F>>(a...);
  }
  /// Runs the captureless lambda `f` once on each engine of the view.
  template <class F, class... A, class = std::enable_if_t<std::is_class_v<std::decay_t<F>>>>
  auto apply(F&&, const A&... a) {
    return each<detail::handler_of_object<F>>(a...);
  }

  /// Applies `Fn` to the zipped items of `ranges` (the shortest wins), split into contiguous
  /// parts, one per engine in view order, as scatter splits (IPython's `DirectView.map`). Every
  /// item is a task on its part's engine; the result reads like a load-balanced map's, in input
  /// order. The first argument may be a map_options (unordered works; chunksize has no effect).
  template <auto Fn, class... Args>
  auto map(const Args&... args) {
    return map_parts<detail::handler_of_fn<Fn>>(args...);
  }
  /// map for a function-object type.
  template <class F, class... Args>
  auto map(const Args&... args) {
    return map_parts<detail::handler_of_type<F>>(args...);
  }
  /// map for a captureless lambda.
  template <class F, class... Args, class = std::enable_if_t<std::is_class_v<std::decay_t<F>>>>
  auto map(F&&, const Args&... args) {
    return map_parts<detail::handler_of_object<F>>(args...);
  }

  /// Stores `value` under `name` on every engine of the view; more names and values may follow
  /// in pairs, all sent in one task per engine: `push("a", x, "b", y)`. Each value is encoded
  /// once; one whose encoding reaches the cache threshold crosses to each engine once, apart
  /// from the task, and the engine stores the bytes it received without a copy.
  template <class T, class... More>
  future_set<void> push(const std::string& name, const T& value, const More&... more) {
    static_assert(sizeof...(More) % 2 == 0,
                  "push takes names and values in pairs: push(\"a\", x, \"b\", y).");
    std::vector<detail::pushed_value> values;
    values.reserve(1 + sizeof...(More) / 2);
    add_values(values, name, value, more...);
    return put_all(values);
  }
  /// Stores each value under its name on every engine of the view, in one task per engine.
  template <class T>
  future_set<void> push(const std::map<std::string, T>& values) {
    std::vector<detail::pushed_value> all;
    all.reserve(values.size());
    for (const auto& [name, value] : values) all.push_back(detail::pushed(name, value));
    return put_all(all);
  }

  /// The value stored under `name` on each engine of the view, decoded as `T`; an engine without
  /// it fails its task with a remote_error that names it.
  template <class T>
  future_set<T> pull(const std::string& name) {
    return pull_as<T>(std::vector<std::string>{name}, false);
  }
  /// The values of several names on each engine, as one tuple per engine, in one task per
  /// engine: `auto [a, b] = view.pull<int, std::string>({"a", "b"}).get().front();`.
  template <class A, class B, class... More>
  future_set<std::tuple<A, B, More...>> pull(const std::vector<std::string>& names) {
    if (names.size() != 2 + sizeof...(More))
      throw error("pull of " + std::to_string(2 + sizeof...(More)) + " types was given " +
                  std::to_string(names.size()) + " names");
    return pull_as<std::tuple<A, B, More...>>(names, false);
  }

  /// Removes every value stored on the engines of the view (IPython's `DirectView.clear()`).
  future_set<void> clear() {
    return each_raw(detail::store_clear_handler(),
                    [](detail::bytes& out) { detail::encode(out, std::uint8_t{1}); });
  }
  /// Removes the value stored under `name` on the engines of the view, if any.
  future_set<void> clear(const std::string& name) {
    return each_raw(detail::store_clear_handler(), [&](detail::bytes& out) {
      detail::encode(out, std::uint8_t{0});
      detail::encode(out, name);
    });
  }

  /// Splits `values` into contiguous parts, one per engine in view order (the first ones one
  /// longer when they do not divide evenly), each stored under `name` as a std::vector<T>.
  template <class T>
  future_set<void> scatter(const std::string& name, const std::vector<T>& values) {
    return split(name, values, false);
  }
  /// Like scatter, but a part of exactly one element is stored as that element, a T.
  template <class T>
  future_set<void> scatter(const std::string& name, const std::vector<T>& values, flatten_t) {
    return split(name, values, true);
  }

  /// Concatenates, in view order, the vectors stored under `name` on each engine.
  template <class T>
  std::vector<T> gather(const std::string& name) {
    std::vector<T> all;
    for (auto& part : pull<std::vector<T>>(name).get()) append(all, part);
    return all;
  }
  /// Like gather, but an engine's value may also be a single T (as a flattened scatter leaves
  /// it), which is taken as a part of one element.
  template <class T>
  std::vector<T> gather(const std::string& name, flatten_t) {
    auto parts = pull_as<void>(std::vector<std::string>{name}, true);
    parts.get();  // throws if some engine failed
    std::vector<T> all;
    std::size_t i = 0;
    for (const auto& f : parts) {
      detail::reader in = detail::state_of(f)->result();
      const auto type = detail::decode<std::uint64_t>(in);
      if (type == detail::type_key<std::vector<T>>()) {
        append(all, detail::decode_whole<std::vector<T>>(in, ("the value '" + name + "'").c_str()));
      } else if (type == detail::type_key<T>()) {
        all.push_back(detail::decode_whole<T>(in, ("the value '" + name + "'").c_str()));
      } else {
        throw error("gather: the value '" + name + "' on engine " + std::to_string(ranks_[i]) +
                    " is neither the element type asked for nor a vector of it");
      }
      ++i;
    }
    return all;
  }

 private:
  template <class Handler, class First, class... Rest>
  auto map_parts(const First& first, const Rest&... rest) {
    if constexpr (std::is_same_v<First, map_options>) {
      return map_parts_with<Handler>(first, rest...);
    } else {
      return map_parts_with<Handler>(map_options(), first, rest...);
    }
  }

  template <class Handler, class... Ranges>
  auto map_parts_with(map_options opts, const Ranges&... ranges) {
    if (ranks_.empty()) throw error("map on a view of no engines");
    std::size_t n = std::numeric_limits<std::size_t>::max();
    ((n = std::min(n, static_cast<std::size_t>(std::distance(std::begin(ranges), std::end(ranges))))),
     ...);
    // The first `extra` parts hold base + 1 items, the others base.
    const std::size_t base = n / ranks_.size(), extra = n % ranks_.size();
    auto target = [ranks = ranks_, base, extra](std::size_t i) {
      const std::size_t in_big = extra * (base + 1);
      return ranks[i < in_big ? i / (base + 1) : extra + (i - in_big) / base];
    };
    return detail::start_map<Handler>(*hub_, nullptr, opts.chunksize(1), true, target, ranges...);
  }

  template <class Handler, class... A>
  future_set<detail::result_of<Handler>> each(const A&... a) {
    std::vector<future<detail::result_of<Handler>>> fs;
    fs.reserve(ranks_.size());
    for (int r : ranks_) fs.push_back(detail::call<Handler>(*hub_, r, nullptr, a...));
    return future_set<detail::result_of<Handler>>(std::move(fs));
  }

  // One task of the built-in `handler` per engine, its payload written by `write`.
  template <class R = void, class Write>
  future_set<R> each_raw(std::uint64_t handler, Write&& write) {
    std::vector<future<R>> fs;
    for (int r : ranks_) fs.push_back(raw<R>(r, handler, write));
    return future_set<R>(std::move(fs));
  }

  template <class R, class Write>
  future<R> raw(int rank, std::uint64_t handler, Write&& write) {
    auto t = detail::make_raw(*hub_, handler, rank);
    write(t->request);
    detail::end_record(t->request, 0);
    detail::submit(*hub_, t);
    return future<R>(std::move(t));
  }

  template <class T>
  future_set<T> pull_as(const std::vector<std::string>& names, bool is_typed) {
    return each_raw<T>(detail::store_get_handler(), [&](detail::bytes& out) {
      detail::encode(out, static_cast<std::uint8_t>(is_typed ? 1 : 0));
      detail::encode(out, static_cast<std::uint32_t>(names.size()));
      for (const auto& n : names) detail::encode(out, n);
    });
  }

  // A value as the store_put handler reads it: name, type key, length, encoding.
  template <class T>
  static void write_value(detail::bytes& out, const std::string& name, const T& value) {
    detail::encode(out, name);
    detail::encode(out, detail::type_key<T>());
    const std::size_t at = out.size();
    detail::encode(out, std::uint64_t{0});
    detail::encode(out, value);
    const std::uint64_t n = out.size() - at - sizeof n;
    std::memcpy(out.data() + at, &n, sizeof n);
  }
  static void add_values(std::vector<detail::pushed_value>&) {}
  template <class N, class T, class... More>
  static void add_values(std::vector<detail::pushed_value>& values, const N& name, const T& value,
                         const More&... more) {
    static_assert(std::is_convertible_v<const N&, std::string>,
                  "push takes names and values in pairs: push(\"a\", x, \"b\", y).");
    values.push_back(detail::pushed(name, value));
    add_values(values, more...);
  }

  future_set<void> put_all(const std::vector<detail::pushed_value>& values) {
    std::vector<future<void>> fs;
    fs.reserve(ranks_.size());
    for (auto& t : detail::submit_store_puts(*hub_, ranks_, values)) fs.emplace_back(std::move(t));
    return future_set<void>(std::move(fs));
  }

  template <class T>
  future_set<void> split(const std::string& name, const std::vector<T>& values, bool is_flat) {
    if (ranks_.empty()) throw error("scatter needs a view of at least one engine");
    std::vector<future<void>> fs;
    const std::size_t n = ranks_.size(), base = values.size() / n, extra = values.size() % n;
    auto at = values.begin();
    for (std::size_t i = 0; i < n; ++i) {
      const auto len = static_cast<std::ptrdiff_t>(base + (i < extra ? 1 : 0));
      fs.push_back(raw<void>(ranks_[i], detail::store_put_handler(), [&](detail::bytes& out) {
        detail::encode(out, std::uint32_t{1});
        if (is_flat && len == 1) {
          write_value(out, name, *at);
        } else {
          write_value(out, name, std::vector<T>(at, at + len));
        }
      }));
      at += len;
    }
    return future_set<void>(std::move(fs));
  }

  template <class T>
  static void append(std::vector<T>& all, std::vector<T>&& part) {
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  template <class T>
  static void append(std::vector<T>& all, std::vector<T>& part) {
    append(all, std::move(part));
  }

  detail::client_core* hub_;
  std::vector<int> ranks_;
};

}  // namespace taskhub
