// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's table operations, the options of tasks, and their encoding.

#include <cstring>

#include "hub/hub_core.hpp"
#include "core/options_codec.hpp"
#include "taskhub/hub.hpp"

namespace taskhub {

namespace {

detail::hub_core& table_of(detail::client_core& core) {
  if (auto* h = core.table()) return *h;
  throw error("the task table is only available to the client on rank 0, not inside a task");
}

}  // namespace

int hub::checked(int engine) const {
  for (int r : engines())
    if (r == engine) return engine;
  throw error("there is no engine of rank " + std::to_string(engine) + " (engines are ranks " +
              std::to_string(engines().front()) + ".." + std::to_string(engines().back()) + ")");
}

std::size_t hub::abort(const std::vector<std::uint64_t>& ids) {
  auto& h = table_of(core());
  std::size_t n = 0;
  h.on_hub_thread([&] { n = h.abort(ids); });
  return n;
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

task_handle hub::task(std::uint64_t id) {
  auto& h = table_of(core());
  detail::task_ptr t;
  h.on_hub_thread([&] { t = h.find(id); });
  if (!t) throw error("there is no task " + std::to_string(id));
  return task_handle(std::move(t));
}

std::vector<task_record> hub::records(const record_query& q) {
  auto& h = table_of(core());
  std::vector<task_record> out;
  h.on_hub_thread([&] {
    h.for_each_task([&](const detail::task_data& t) {
      auto r = h.record_of(t);
      if (q.matches(r)) out.push_back(std::move(r));
    });
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
  for (int r : engines()) out[r];
  h.on_hub_thread([&] {
    h.for_each_task([&](const detail::task_data& t) {
      if (t.engine < 0) return;
      auto& c = out[t.engine];
      switch (t.hub.state) {
        case task_state::running: ++c.running; break;
        case task_state::done: ++c.done; break;
        case task_state::failed: ++c.failed; break;
        default: break;
      }
    });
  });
  return out;
}

}  // namespace taskhub
