// SPDX-License-Identifier: MIT
// Part of taskhub.
// The task table.
#include "hub/task_table.hpp"

#include <algorithm>
#include <unordered_set>

#include "taskhub/task_options.hpp"

namespace taskhub::detail {

task_table::task_table(std::size_t retain_bytes) : retain_budget_(retain_bytes) {
  local_.emplace_back();  // ids start at 1
}

void task_table::insert(const task_ptr& t) {
  const std::uint64_t id = t->id;
  if (is_task_of_task(id)) {
    remote_[id] = t;
    return;
  }
  if (id >= local_.size()) local_.resize(std::max<std::size_t>(id + 1, local_.size() * 3 / 2));
  local_[id] = t;
}

task_ptr task_table::find(std::uint64_t id) const {
  if (!is_task_of_task(id)) return id < local_.size() ? local_[id] : nullptr;
  auto it = remote_.find(id);
  return it == remote_.end() ? nullptr : it->second;
}

task_data* task_table::lookup_remote(std::uint64_t id) const {
  auto it = remote_.find(id);
  return it == remote_.end() ? nullptr : it->second.get();
}

bool task_table::drop(std::uint64_t id) {
  if (!is_task_of_task(id)) {
    if (id >= local_.size() || !local_[id]) return false;
    local_[id].reset();
    return true;
  }
  return remote_.erase(id) > 0;
}

std::size_t task_table::purge(const std::vector<std::uint64_t>* ids) {
  std::unordered_set<std::uint64_t> needed;
  for_each([&](const task_data& t) {
    if (t.hub.is_finished() || !t.options) return;
    for (const auto* d : {&t.options->after(), &t.options->follow()})
      needed.insert(d->ids().begin(), d->ids().end());
  });
  std::size_t n = 0;
  auto is_droppable = [&](const task_data* t) {
    return t && t->hub.is_finished() && !t->hub.is_request_pinned && !needed.count(t->id);
  };
  if (ids) {
    for (auto id : *ids)
      if (is_droppable(lookup(id)) && drop(id)) ++n;
  } else {
    for (auto& t : local_) {
      if (!is_droppable(t.get())) continue;
      t.reset();
      ++n;
    }
    for (auto it = remote_.begin(); it != remote_.end();) {
      if (is_droppable(it->second.get())) {
        it = remote_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
  }
  retained_bytes_ = 0;  // the arguments still kept for resubmit
  for (auto id : retained_)
    if (const auto* t = lookup(id); t && !t->hub.is_request_dropped) retained_bytes_ += t->request.capacity();
  return n;
}

void task_table::retain_arguments(task_data& t) {
  if (t.request.capacity() < 4096 || t.hub.origin != 0) return;
  retained_.push_back(t.id);
  retained_bytes_ += t.request.capacity();
  while (retained_bytes_ > retain_budget_ && !retained_.empty()) {
    auto* old = lookup(retained_.front());
    retained_.pop_front();
    if (!old || old->hub.is_request_dropped) continue;
    retained_bytes_ -= old->request.capacity();
    if (old->hub.is_request_pinned) continue;
    recycle_buffer(std::move(old->request));
    old->request = bytes();
    old->hub.is_request_dropped = true;
  }
}

}  // namespace taskhub::detail
