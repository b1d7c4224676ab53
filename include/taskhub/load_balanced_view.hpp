// SPDX-License-Identifier: MIT
// Part of taskhub.
// Load-balanced views: apply and map on whichever engine the scheduler chooses.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "taskhub/detail/map_start.hpp"
#include "taskhub/detail/submit.hpp"
#include "taskhub/map.hpp"
#include "taskhub/task_options.hpp"

namespace taskhub {

/// Submits tasks to the engines the scheduler picks, all with the same options.
///
/// ```
/// auto cleanup = hub.with(taskhub::task_options().after(
///     taskhub::dependency(step).success(false).failure(true))).apply<&clean_up>();
/// ```
class load_balanced_view {
 public:
  load_balanced_view(detail::client_core& core, task_options opts)
      : core_(&core),
        opts_(detail::share_options(detail::checked_options(core, std::move(opts)))) {}

  /// The options its tasks carry.
  const task_options& options() const {
    static const task_options defaults;
    return opts_ ? *opts_ : defaults;
  }

  /// Runs the function named `Fn` on the engine the scheduler picks.
  template <auto Fn, class... A>
  auto apply(A&&... a) {
    return detail::call<detail::handler_of_fn<Fn>>(*core_, -1, opts(), std::forward<A>(a)...);
  }
  /// Runs the function-object type `F` on the engine the scheduler picks.
  template <class F, class... A>
  auto apply(A&&... a) {
    return detail::call<detail::handler_of_type<F>>(*core_, -1, opts(), std::forward<A>(a)...);
  }
  /// Runs the captureless lambda `f` on the engine the scheduler picks.
  template <class F, class... A, class = std::enable_if_t<std::is_class_v<std::decay_t<F>>>>
  auto apply(F&&, A&&... a) {
    return detail::call<detail::handler_of_object<F>>(*core_, -1, opts(), std::forward<A>(a)...);
  }

  /// Applies `Fn` to the zipped items of `ranges` (the shortest wins); every task is submitted
  /// now. The first argument may be a map_options.
  template <auto Fn, class... Args>
  auto map(const Args&... args) {
    return start<detail::handler_of_fn<Fn>>(true, args...);
  }
  /// map for a function-object type.
  template <class F, class... Args>
  auto map(const Args&... args) {
    return start<detail::handler_of_type<F>>(true, args...);
  }
  /// map for a captureless lambda.
  template <class F, class... Args, class = std::enable_if_t<std::is_class_v<std::decay_t<F>>>>
  auto map(F&&, const Args&... args) {
    return start<detail::handler_of_object<F>>(true, args...);
  }

  /// Like map, but consumes the input lazily, keeping at most `max_outstanding` items submitted
  /// and not yet consumed: the input may be unbounded. Ranges passed as rvalues are kept alive.
  template <auto Fn, class... Args>
  auto imap(Args&&... args) {
    return start<detail::handler_of_fn<Fn>>(false, std::forward<Args>(args)...);
  }
  /// imap for a function-object type.
  template <class F, class... Args>
  auto imap(Args&&... args) {
    return start<detail::handler_of_type<F>>(false, std::forward<Args>(args)...);
  }

  detail::client_core& core() { return *core_; }

 protected:
  const detail::shared_options& opts() const { return opts_; }

 private:
  template <class Handler, class First, class... Rest>
  auto start(bool is_eager, First&& first, Rest&&... rest) {
    if constexpr (std::is_same_v<std::decay_t<First>, map_options>) {
      return start_with<Handler>(first, is_eager, std::forward<Rest>(rest)...);
    } else {
      return start_with<Handler>(map_options(), is_eager, std::forward<First>(first),
                                 std::forward<Rest>(rest)...);
    }
  }

  template <class Handler, class... Ranges>
  auto start_with(map_options opts, bool is_eager, Ranges&&... ranges) {
    return detail::start_map<Handler>(*core_, opts_, opts, is_eager, nullptr,
                                      std::forward<Ranges>(ranges)...);
  }

  detail::client_core* core_;
  detail::shared_options opts_;  // null: the defaults
};

}  // namespace taskhub
