// SPDX-License-Identifier: MIT
// Part of taskhub.
// Making a task (its state, its record header, its options), and reading its failure.
#include "taskhub/detail/task_data.hpp"

#include <chrono>
#include <cstring>

#include "taskhub/detail/block_pool.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/submit.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

task_ptr new_task(std::uint64_t id, std::uint64_t handler, int target, std::size_t payload) {
  auto t = std::allocate_shared<task_data>(block_allocator<task_data>());
  t->id = id;
  t->handler = handler;
  t->target = target;
  t->submitted = std::chrono::system_clock::now();
  t->request = take_buffer(sizeof(record_header) + payload);
  begin_record(t->request, record_kind::task, t->id, handler);
  return t;
}

// A large request is a fresh megabyte or more: reused, its pages are already mapped.
task_data::~task_data() { recycle_buffer(std::move(request)); }

void attach_options(task_data& task, shared_options opts) {
  if (!opts || opts->is_plain()) return;
  task.options = std::move(opts);
  const auto& req = task.options->requirements();
  const std::uint32_t flags = (req.empty() ? 0 : has_requirements_flag) |
                              (task.options->is_isolated() ? isolated_flag : 0) |
                              (task.options->is_kept_remote() ? kept_flag : 0);
  std::memcpy(task.request.data() + offsetof(record_header, flags), &flags, sizeof flags);
  if (req.empty()) return;
  encode(task.request, static_cast<std::uint32_t>(req.size()));
  for (auto id : req) encode(task.request, id);
}

remote_error failure_of(const task_data& task) {
  std::string type = "taskhub::error", message = "the task failed";
  try {
    reader in = task.result();
    type = decode<std::string>(in);
    message = decode<std::string>(in);
  } catch (const decode_error&) {
    message = "the task failed and its error could not be decoded";
  }
  return remote_error(type, message, task.engine, handler_name(task.handler), task.id);
}

}  // namespace taskhub::detail

namespace taskhub::detail {

bytes fetch_kept(const task_data& t) {
  const std::string what = "the result of task " + std::to_string(t.id) + " (" +
                           handler_name(t.handler) + "), kept on engine " +
                           std::to_string(t.kept_on) + ",";
  if (!t.core) throw error(what + " cannot be fetched from here");
  auto fetch = make_task(*t.core, kept_result_handler(), t.kept_on, sizeof(std::uint64_t));
  encode(fetch->request, t.id);
  end_record(fetch->request, 0);
  submit(*t.core, fetch);
  wait_ready(*fetch, never());
  if (fetch->status.load() != task_status::done) {
    const remote_error e = failure_of(*fetch);
    throw remote_error(e.type_name(), what + " could not be fetched: " + e.message(), t.kept_on,
                       handler_name(t.handler), t.id);
  }
  return bytes(fetch->result_data, fetch->result_data + fetch->result_size);
}

}  // namespace taskhub::detail
