// SPDX-License-Identifier: MIT
// Part of taskhub.
// Direct views: tasks on chosen engines, and values pushed to and pulled from them.
#pragma once

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "taskhub/detail/map_start.hpp"
#include "taskhub/detail/submit.hpp"
#include "taskhub/future_set.hpp"

namespace taskhub {

/// Tasks sent to chosen engines, bypassing the scheduler.
///
/// ```
/// auto ranks = hub.all().apply<&hostname>().get();  // one result per engine
/// hub.all().push("k", 3);                            // a value tasks read with engine::get
/// ```
class direct_view {
 public:
  direct_view(detail::client_core& hub, std::vector<int> ranks)
      : hub_(&hub), ranks_(std::move(ranks)) {}

  /// The engine ranks this view sends to, in order.
  const std::vector<int>& engines() const { return ranks_; }

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

  /// Stores `value` under `name` on every engine of the view.
  template <class T>
  future_set<void> push(const std::string& name, const T& value) {
    std::vector<future<void>> fs;
    for (int r : ranks_) fs.push_back(put(r, name, value));
    return future_set<void>(std::move(fs));
  }

  /// The value stored under `name` on each engine of the view, decoded as `T`.
  template <class T>
  future_set<T> pull(const std::string& name) {
    std::vector<future<T>> fs;
    for (int r : ranks_) {
      auto t = detail::make_raw(*hub_, detail::store_get_handler(), r);
      detail::encode(t->request, name);
      detail::end_record(t->request, 0);
      detail::submit(*hub_, t);
      fs.emplace_back(std::move(t));
    }
    return future_set<T>(std::move(fs));
  }

  /// Splits `values` into contiguous parts, one per engine in view order, stored under `name`.
  template <class T>
  future_set<void> scatter(const std::string& name, const std::vector<T>& values) {
    std::vector<future<void>> fs;
    const std::size_t n = ranks_.size(), base = values.size() / n, extra = values.size() % n;
    auto at = values.begin();
    for (std::size_t i = 0; i < n; ++i) {
      const auto len = static_cast<std::ptrdiff_t>(base + (i < extra ? 1 : 0));
      fs.push_back(put(ranks_[i], name, std::vector<T>(at, at + len)));
      at += len;
    }
    return future_set<void>(std::move(fs));
  }

  /// Concatenates, in view order, the vectors stored under `name` on each engine.
  template <class T>
  std::vector<T> gather(const std::string& name) {
    std::vector<T> all;
    for (auto& part : pull<std::vector<T>>(name).get())
      all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
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

  template <class T>
  future<void> put(int rank, const std::string& name, const T& value) {
    auto t = detail::make_raw(*hub_, detail::store_put_handler(), rank);
    detail::encode(t->request, name);
    detail::encode(t->request, value);
    detail::end_record(t->request, 0);
    detail::submit(*hub_, t);
    return future<void>(std::move(t));
  }

  detail::client_core* hub_;
  std::vector<int> ranks_;
};

}  // namespace taskhub
