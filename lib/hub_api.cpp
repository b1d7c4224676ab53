// SPDX-License-Identifier: MIT
// Part of taskhub.
// The hub's table operations, the options of tasks, and their encoding.

#include <cstring>

#include "hub_core.hpp"
#include "options_codec.hpp"
#include "taskhub/hub.hpp"

namespace taskhub {

const char* to_string(task_state s) {
  switch (s) {
    case task_state::waiting: return "waiting";
    case task_state::ready: return "ready";
    case task_state::running: return "running";
    case task_state::done: return "done";
    case task_state::failed: return "failed";
    case task_state::aborted: return "aborted";
  }
  return "unknown";
}

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
    h.for_each_task([&](const detail::task_state& t) {
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
    h.for_each_task([&](const detail::task_state& t) {
      if (t.engine < 0) return;
      auto& c = out[t.engine];
      switch (static_cast<task_state>(t.hub.state)) {
        case task_state::running: ++c.running; break;
        case task_state::done: ++c.done; break;
        case task_state::failed: ++c.failed; break;
        default: break;
      }
    });
  });
  return out;
}

namespace detail {

void attach_options(task_state& task, shared_options opts) {
  if (!opts || opts->is_plain()) return;
  task.options = std::move(opts);
  const auto& req = task.options->requirements();
  if (req.empty()) return;
  const std::uint32_t flags = has_requirements_flag;
  std::memcpy(task.request.data() + offsetof(record_header, flags), &flags, sizeof flags);
  encode(task.request, static_cast<std::uint32_t>(req.size()));
  for (auto id : req) encode(task.request, id);
}

namespace {
void encode_dependency(bytes& out, const dependency& d) {
  encode(out, std::vector<std::uint64_t>(d.ids()));
  const std::uint8_t bits = (d.is_all() ? 1 : 0) | (d.on_success() ? 2 : 0) | (d.on_failure() ? 4 : 0);
  encode(out, bits);
}
dependency decode_dependency(reader& in) {
  dependency d(decode<std::vector<std::uint64_t>>(in));
  const auto bits = decode<std::uint8_t>(in);
  if (bits & 1) {
    d.all();
  } else {
    d.any();
  }
  d.success(bits & 2).failure(bits & 4);
  return d;
}
}  // namespace

void encode_options(bytes& out, const task_options& opts) {
  encode_dependency(out, opts.after());
  encode_dependency(out, opts.follow());
  encode(out, static_cast<std::int64_t>(opts.dependency_timeout().count()));
  encode(out, static_cast<std::int64_t>(opts.timeout().count()));
  encode(out, static_cast<std::int32_t>(opts.retries()));
  encode(out, static_cast<std::int32_t>(opts.priority()));
  encode(out, static_cast<std::uint64_t>(opts.tags().size()));
  for (const auto& tag : opts.tags()) encode(out, tag);
  encode(out, std::vector<std::uint64_t>(opts.requirements()));
  encode(out, opts.journal_key());
}

task_options decode_options(reader& in) {
  task_options o;
  o.after(decode_dependency(in));
  o.follow(decode_dependency(in));
  o.dependency_timeout(std::chrono::microseconds(decode<std::int64_t>(in)));
  o.timeout(std::chrono::microseconds(decode<std::int64_t>(in)));
  o.retries(decode<std::int32_t>(in));
  o.priority(decode<std::int32_t>(in));
  const auto tag_count = decode<std::uint64_t>(in);
  if (tag_count > in.remaining()) throw decode_error("task options: tag count overruns the record");
  std::vector<std::string> tags(tag_count);
  for (auto& tag : tags) tag = decode<std::string>(in);
  o.require_tags(std::move(tags));
  o.set_requirements(decode<std::vector<std::uint64_t>>(in));
  o.journal_key(decode<std::string>(in));
  return o;
}

}  // namespace detail
}  // namespace taskhub
