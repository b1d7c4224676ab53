// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's kept results, and the built-in task that fetches one for the client.
#include "engine/result_store.hpp"

#include <algorithm>

#include "core/registry.hpp"
#include "engine/engine_loop.hpp"
#include "taskhub/detail/result_args.hpp"

namespace taskhub::detail {
namespace {

// The task get() sends to the engine that keeps a result: [task id] -> the result's bytes.
void kept_result(reader& in, bytes& out) {
  const auto task = decode<std::uint64_t>(in);
  auto& e = current_engine("taskhub::kept_result");
  const bytes* value = e.results().find(task);
  if (!value)
    throw error("engine " + std::to_string(e.rank()) + " no longer keeps the result of task " +
                std::to_string(task) + ": it was released (purge) or the engine restarted");
  put_raw(out, value->data(), value->size());
}

const std::uint64_t kept_result_id =
    register_handler("taskhub::kept_result", "", &kept_result);

}  // namespace

std::uint64_t kept_result_handler() { return kept_result_id; }

void result_store::keep(std::uint64_t task, const char* data, std::size_t n) {
  auto& v = kept_[task];
  bytes_kept_ -= v.size();
  v.assign(data, data + n);
  bytes_kept_ += n;
}

void result_store::receive(std::uint64_t task, const char* data, std::size_t n) {
  auto it = received_.try_emplace(task).first;
  auto& c = it->second;
  if (c.balance++ < 0) --owed_;
  if (c.balance > 0 && !c.has_data) {
    c.data.assign(data, data + n);
    c.has_data = true;
  }
  if (c.balance == 0) received_.erase(it);
}

const bytes* result_store::find(std::uint64_t task) const {
  if (auto it = kept_.find(task); it != kept_.end()) return &it->second;
  if (auto it = received_.find(task); it != received_.end() && it->second.has_data)
    return &it->second.data;
  return nullptr;
}

void result_store::used(std::uint64_t task) {
  auto it = received_.try_emplace(task).first;
  if (--it->second.balance < 0) ++owed_;
  if (it->second.balance == 0) received_.erase(it);
}

void result_store::forgo(const record_header& h, const char* payload) {
  for (const auto& e : read_inputs(payload, h.length))
    if (e.source == input_source::incoming) used(e.parent);
}

bool result_store::has_inputs(const record_header& h, const char* payload) const {
  for (const auto& e : read_inputs(payload, h.length))
    if (e.source != input_source::carried && !find(e.parent)) return false;
  return true;
}

bytes result_store::splice(const record_header& h, const char* payload) {
  const auto entries = read_inputs(payload, h.length);
  const std::size_t args = h.length - inputs_block_size(payload, h.length);
  std::size_t total = args;
  std::vector<const bytes*> values(entries.size(), nullptr);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.at > args) throw decode_error("an input's place lies past the arguments");
    if (e.source == input_source::carried) {
      total += e.size;
      continue;
    }
    values[i] = find(e.parent);
    if (!values[i])
      throw error("the result of task " + std::to_string(e.parent) +
                  ", an argument of this task, is not on this engine");
    total += values[i]->size();
  }
  bytes out = take_buffer(total);
  std::size_t from = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    put_raw(out, payload + from, e.at - from);
    from = e.at;
    if (values[i]) {
      put_raw(out, values[i]->data(), values[i]->size());
    } else {
      put_raw(out, e.data, e.size);
    }
  }
  put_raw(out, payload + from, args - from);
  for (const auto& e : entries)
    if (e.source == input_source::incoming) used(e.parent);
  return out;
}

}  // namespace taskhub::detail
