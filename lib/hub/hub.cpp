// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's table operations, the options of tasks, and their encoding.

#include <algorithm>
#include <cstring>
#include <future>

#include "hub/hub_core.hpp"
#include "hub/id_lists.hpp"
#include "core/options_codec.hpp"
#include "taskhub/hub.hpp"

namespace taskhub {

std::vector<int> detail::checked_targets(const client_core& hub, const std::vector<int>& ranks) {
  if (ranks.empty())
    throw error("a view of chosen engines needs at least one engine, and the list is empty");
  const auto& all = hub.engines();
  std::vector<int> out;
  for (int r : ranks) {
    if (std::find(all.begin(), all.end(), r) == all.end())
      throw error("there is no engine of rank " + std::to_string(r) +
                  (r == 0 ? " (rank 0 runs the hub)" : "") +
                  (all.empty() ? std::string(" (there are no engines)")
                               : " (engines are ranks " + std::to_string(all.front()) + ".." +
                                     std::to_string(all.back()) + ")"));
    if (!detail::contains(out, r)) out.push_back(r);
  }
  return out;
}

namespace {

detail::hub_core& table_of(detail::client_core& core) {
  if (auto* h = core.table()) return *h;
  throw error("the task table is only available to the client on rank 0, not inside a task");
}

}  // namespace

const std::vector<int>& hub::engines() const {
  auto& core = const_cast<hub*>(this)->core();
  if (auto* h = core.table()) return h->live_engines();
  return core.engines();  // inside a task: the engine knows no retirements
}

int hub::checked(int engine) const { return detail::checked_targets(core_ref(), {engine}).front(); }

std::size_t hub::abort(const std::vector<std::uint64_t>& ids) {
  return detail::abort_tasks(core(), ids);
}

std::size_t hub::abort_all() {
  auto& h = table_of(core());
  std::future<std::size_t> n;
  h.on_hub_thread([&] { n = h.abort_all(); });
  return n.get();
}

std::vector<task_handle> hub::resubmit(const std::vector<std::uint64_t>& ids) {
  auto& h = table_of(core());
  std::vector<detail::task_ptr> fresh;
  h.on_hub_thread([&] { fresh = h.resubmit(ids); });
  return std::vector<task_handle>(fresh.begin(), fresh.end());
}

std::size_t hub::purge() {
  auto& h = table_of(core());
  std::size_t n = 0;
  h.on_hub_thread([&] { n = h.purge(); });
  return n;
}

std::size_t hub::purge(const std::vector<std::uint64_t>& ids) {
  auto& h = table_of(core());
  std::size_t n = 0;
  h.on_hub_thread([&] { n = h.purge(ids); });
  return n;
}

std::size_t hub::tasks_held() {
  auto& h = table_of(core());
  std::size_t n = 0;
  h.on_hub_thread([&] { n = h.tasks_held(); });
  return n;
}

traffic_report hub::traffic() {
  auto& h = table_of(core());
  traffic_report r;
  h.on_hub_thread([&] { r = h.traffic(); });
  return r;
}

task_handle hub::task(std::uint64_t id) {
  auto& h = table_of(core());
  detail::task_ptr t;
  h.on_hub_thread([&] { t = h.find(id); });
  if (!t) throw error("there is no task " + std::to_string(id));
  return task_handle(std::move(t));
}

std::vector<task_handle> hub::tasks(const std::vector<std::uint64_t>& ids) {
  auto& h = table_of(core());
  std::vector<detail::task_ptr> found(ids.size());
  h.on_hub_thread([&] {
    for (std::size_t i = 0; i < ids.size(); ++i) found[i] = h.find(ids[i]);
  });
  std::vector<std::uint64_t> unknown;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (!found[i]) unknown.push_back(ids[i]);
  if (!unknown.empty()) throw error("there is no task " + detail::list_ids(unknown));
  return std::vector<task_handle>(found.begin(), found.end());
}

std::vector<task_record> hub::records(const record_query& q) {
  auto& h = table_of(core());
  std::vector<task_record> out;
  auto take = [&](const detail::task_data& t) {
    auto r = h.record_of(t);
    if (q.matches(r)) out.push_back(std::move(r));
  };
  h.on_hub_thread([&] {
    if (const auto* ids = q.selected_ids()) {
      for (auto id : *ids)
        if (auto t = h.find(id)) take(*t);
    } else {
      h.for_each_task(take);
    }
  });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

task_record hub::record(std::uint64_t id) {
  auto& h = table_of(core());
  std::optional<task_record> r;
  h.on_hub_thread([&] {
    if (auto t = h.find(id)) r = h.record_of(*t);
  });
  if (!r) throw error("there is no task " + std::to_string(id));
  return *r;
}

std::map<int, engine_counts> hub::counts() {
  auto& h = table_of(core());
  std::map<int, engine_counts> out;
  for (int r : all_engines()) out[r];
  h.on_hub_thread([&] {
    h.for_each_task([&](const detail::task_data& t) {
      if (t.engine < 0) return;
      auto& c = out[t.engine];
      switch (t.hub.state) {
        case task_state::queued: ++c.queued; break;
        case task_state::running: ++c.running; break;
        default: break;
      }
    });
    // Finished tasks leave the table once nothing holds them: the slots count them as they end.
    for (const auto& s : h.slots()) {
      auto& c = out[s.rank];
      c.live = !s.is_retired;
      c.done = s.done;
      c.failed = s.failed;
    }
  });
  return out;
}

namespace detail {

std::size_t abort_tasks(client_core& c, const std::vector<std::uint64_t>& ids) {
  auto& h = table_of(c);
  std::future<std::size_t> n;
  h.on_hub_thread([&] { n = h.abort(ids); });
  return n.get();
}

}  // namespace detail
}  // namespace taskhub
