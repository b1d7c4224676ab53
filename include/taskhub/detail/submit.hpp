// SPDX-License-Identifier: MIT
// Part of taskhub.
// Turning a call into a task record and handing it to the hub thread.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "taskhub/detail/block_pool.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "taskhub/detail/function.hpp"
#include "taskhub/future.hpp"
#include "taskhub/task_options.hpp"

namespace taskhub::detail {

/// The handler that ships a callable object passed by value (a lambda or function object).
template <class F>
using handler_of_object = object_value_handler<std::decay_t<F>>;

template <class Handler>
using result_of = typename Handler::sig::result;

/// Options shared by the tasks of one view (null: the defaults).
using shared_options = std::shared_ptr<const task_options>;

/// `opts`, to share, or null when they are the defaults.
inline shared_options share_options(task_options opts) {
  if (opts.is_plain()) return nullptr;
  return std::allocate_shared<const task_options>(block_allocator<task_options>(), std::move(opts));
}

/// `ranks` without repeats, after checking that it is not empty and names only engines (throws
/// taskhub::error otherwise; defined in the runtime).
std::vector<int> checked_targets(const client_core& hub, const std::vector<int>& ranks);

/// `opts`, after checking the engines it targets, if any.
inline task_options checked_options(const client_core& hub, task_options opts) {
  if (!opts.targets().empty()) opts.targets(checked_targets(hub, opts.targets()));
  return opts;
}

/// Attaches non-default options to a task whose header was just written (defined in the runtime).
void attach_options(task_data& task, shared_options opts);

/// Marks a task whose arguments (from `args_at` in its request) refer to objects sent apart, and
/// keeps the objects with it (defined in the runtime).
void attach_objects(task_data& task, std::size_t args_at, object_refs refs);

/// Builds the task for `Handler(a...)`, to run on `target` (-1: the scheduler chooses), with
/// `opts` unless null.
template <class Handler, class... A>
task_ptr make_call(client_core& hub, int target, const shared_options& opts, A&&... a) {
  auto t = make_task(hub, Handler::id, target,
                     encoded_args_size<typename Handler::sig>(a...));
  if (opts) attach_options(*t, opts);
  noted_result_args().clear();
  const auto args_at = t->request.size();
  object_refs refs;
  refs.may_cache = !(opts && opts->is_isolated());  // an isolated task reads whole arguments
  encode_args<typename Handler::sig>(t->request, &refs, std::forward<A>(a)...);
  std::size_t shift = 0;  // a word of object positions goes before the arguments
  if (refs.positions != 0) {
    attach_objects(*t, args_at, std::move(refs));
    shift = sizeof(std::uint64_t);
  }
  take_result_args(*t, shift);
  end_record(t->request, 0);
  return t;
}

/// Builds, submits and returns the future of `Handler(a...)` on `target`.
template <class Handler, class... A>
future<result_of<Handler>> call(client_core& hub, int target, const shared_options& opts, A&&... a) {
  auto t = make_call<Handler>(hub, target, opts, std::forward<A>(a)...);
  submit(hub, t);
  return future<result_of<Handler>>(std::move(t));
}

/// A task whose payload the caller writes itself (built-in handlers).
inline task_ptr make_raw(client_core& hub, std::uint64_t handler, int target) {
  return make_task(hub, handler, target);
}

/// Built-in handlers of the engine store (defined in the runtime).
std::uint64_t store_put_handler();
std::uint64_t store_get_handler();
std::uint64_t store_clear_handler();

}  // namespace taskhub::detail
