// SPDX-License-Identifier: MIT
// Part of taskhub.
// Starting a map: one task per item, submitted in chunks that go to one engine together.
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "taskhub/detail/submit.hpp"
#include "taskhub/map.hpp"

namespace taskhub::detail {

/// The engine of a map's item by its index (-1: the scheduler chooses).
using item_target = std::function<int(std::size_t)>;

/// Applies `Handler` to the zipped items of `ranges` (the shortest wins). An eager map submits
/// every item now; otherwise items are read lazily under `opts.outstanding()`. A null `target`
/// lets the scheduler place every item.
template <class Handler, class... Ranges>
auto start_map(client_core& core, const shared_options& options, map_options opts, bool is_eager,
               item_target target, Ranges&&... ranges) {
  using R = result_of<Handler>;
  static_assert(!std::is_void_v<R>, "map needs a function that returns a value.");
  static_assert(sizeof...(Ranges) == Handler::sig::arity,
                "map needs one input range per parameter of the shipped function.");
  struct input {
    std::tuple<Ranges...> ranges;
    std::optional<std::tuple<decltype(std::begin(std::declval<Ranges&>()))...>> at;
    std::size_t next_index = 0;
  };
  auto in = std::make_shared<input>(input{{std::forward<Ranges>(ranges)...}, std::nullopt, 0});
  client_core* hub = &core;
  const std::size_t chunk = is_eager ? opts.chunk() : std::min(opts.chunk(), opts.outstanding());
  if (is_eager) opts.max_outstanding(std::numeric_limits<std::size_t>::max());

  // Appends the tasks of the next chunk to `out`; returns false when the input is exhausted.
  auto next_chunk = [in, hub, chunk, options, target](std::vector<task_ptr>& out) {
    if (!in->at) {
      in->at.emplace(std::apply([](auto&... r) { return std::make_tuple(std::begin(r)...); },
                                in->ranges));
    }
    auto is_done = [&] {
      return std::apply(
          [&](auto&... r) {
            return std::apply([&](auto&... it) { return ((it == std::end(r)) || ...); }, *in->at);
          },
          in->ranges);
    };
    std::uint64_t group = 0;
    for (std::size_t n = 0; n < chunk && !is_done(); ++n) {
      const int rank = target ? target(in->next_index) : -1;
      auto t = std::apply(
          [&](auto&... it) { return make_call<Handler>(*hub, rank, options, *it...); }, *in->at);
      if (chunk > 1) {
        if (group == 0) group = t->id;
        t->group = group;
      }
      out.push_back(std::move(t));
      std::apply([](auto&... it) { (++it, ...); }, *in->at);
      ++in->next_index;
    }
    return !is_done();
  };

  if (is_eager) {
    return map_result<R>(opts, false, [next_chunk, hub](map_result<R>& m) {
      std::vector<task_ptr> tasks;
      while (next_chunk(tasks)) {
      }
      for (const auto& t : tasks) m.add_item(task_handle(t));
      submit(*hub, tasks);
      return false;
    });
  }
  return map_result<R>(opts, true, [next_chunk, hub](map_result<R>& m) {
    std::vector<task_ptr> tasks;
    const bool is_more = next_chunk(tasks);
    for (const auto& t : tasks) m.add_item(task_handle(t));
    if (!tasks.empty()) submit(*hub, tasks);
    return is_more;
  });
}

}  // namespace taskhub::detail
