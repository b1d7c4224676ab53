// SPDX-License-Identifier: MIT
// Part of taskhub.
// The task table.
#include "hub/task_table.hpp"

#include <algorithm>
#include <unordered_set>

#include "taskhub/task_options.hpp"

namespace taskhub::detail {
namespace {

// Finished tasks are looked at for release in batches of at least this many.
constexpr std::size_t fewest_due = 1024;

bool is_large_request(const task_data& t) {
  return t.request.capacity() >= 4096 && t.hub.origin == 0;
}

}  // namespace

task_table::task_table(std::size_t retain_bytes) : retain_budget_(retain_bytes) {}

void task_table::insert(const task_ptr& t) {
  const std::uint64_t id = t->id;
  ++held_;
  if (is_task_of_task(id) || id < base_) {
    sparse_[id] = t;
    return;
  }
  const std::uint64_t at = id - base_;
  if (at >= window_.size()) window_.resize(at + 1);
  window_[at] = t;
}

task_ptr task_table::find(std::uint64_t id) const {
  if (!is_task_of_task(id) && id >= base_) {
    const std::uint64_t at = id - base_;
    return at < window_.size() ? window_[at] : nullptr;
  }
  auto it = sparse_.find(id);
  return it == sparse_.end() ? nullptr : it->second;
}

task_data* task_table::lookup_sparse(std::uint64_t id) const {
  auto it = sparse_.find(id);
  return it == sparse_.end() ? nullptr : it->second.get();
}

bool task_table::drop(std::uint64_t id) {
  if (!is_task_of_task(id) && id >= base_) {
    const std::uint64_t at = id - base_;
    if (at >= window_.size() || !window_[at]) return false;
    note_drop(*window_[at]);
    window_[at].reset();
  } else {
    auto it = sparse_.find(id);
    if (it == sparse_.end()) return false;
    note_drop(*it->second);
    sparse_.erase(it);
  }
  --held_;
  return true;
}

// Moves the window's start past the tasks the hub no longer works on: past empty places always,
// and past finished tasks still held (into the map) when they are few among them.
void task_table::slide_window() {
  std::size_t empty = 0, at = 0;
  while (at < window_.size() && !window_[at]) ++at;
  const std::size_t leading = at;
  for (std::size_t finished = 0; at < window_.size(); ++at) {
    const auto& t = window_[at];
    if (!t) {
      ++empty;
    } else if (!t->hub.is_finished()) {
      break;
    } else if (++finished * 4 > empty + 64) {  // mostly held: past the leading empty places only
      at = leading;
      break;
    }
  }
  if (at == 0) return;
  for (std::size_t i = leading; i < at; ++i)
    if (window_[i]) sparse_.emplace(base_ + i, std::move(window_[i]));
  window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(at));
  base_ += at;
}

std::size_t task_table::purge(const std::vector<std::uint64_t>* ids) {
  std::unordered_set<std::uint64_t> needed;
  for_each([&](const task_data& t) {
    if (t.hub.is_finished()) return;
    for (const auto& in : t.hub.inputs) needed.insert(in.parent);
    if (!t.options) return;
    for (const auto* d : {&t.options->after(), &t.options->follow()})
      needed.insert(d->ids().begin(), d->ids().end());
  });
  std::size_t n = 0;
  auto is_droppable = [&](const task_data* t) {
    return t && t->hub.is_finished() && !t->hub.is_request_pinned &&
           !t->hub.is_in_ready_queue && !needed.count(t->id);
  };
  if (ids) {
    for (auto id : *ids)
      if (is_droppable(lookup(id)) && drop(id)) ++n;
  } else {
    for (auto& t : window_) {
      if (!is_droppable(t.get())) continue;
      note_drop(*t);
      t.reset();
      ++n;
    }
    for (auto it = sparse_.begin(); it != sparse_.end();) {
      if (is_droppable(it->second.get())) {
        note_drop(*it->second);
        it = sparse_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    held_ -= n;
  }
  slide_window();
  retained_bytes_ = 0;  // the arguments still kept for resubmit
  for (auto id : retained_)
    if (const auto* t = lookup(id); t && !t->hub.is_request_dropped) retained_bytes_ += t->request.capacity();
  return n;
}

std::size_t task_table::release_unheld(bool is_forced) {
  // Results kept on engines are looked at sooner: each may hold much of an engine's memory.
  constexpr std::size_t fewest_kept_due = 8;
  if (released_due_.size() < next_release_ && kept_due_ < fewest_kept_due &&
      !(is_forced && !released_due_.empty()))
    return 0;
  kept_due_ = 0;
  std::size_t n = 0, kept = 0;
  bool had_large = false;
  for (const auto id : released_due_) {
    const task_ptr* held = nullptr;
    if (!is_task_of_task(id) && id >= base_) {
      if (id - base_ < window_.size()) held = &window_[id - base_];
    } else if (auto it = sparse_.find(id); it != sparse_.end()) {
      held = &it->second;
    }
    if (!held || !*held) continue;  // purged
    const task_data& t = **held;
    // Only the table holds it (a count of 1 cannot rise again: only the table hands it out).
    if (held->use_count() != 1 || t.hub.is_request_pinned || t.hub.is_in_ready_queue) {
      released_due_[kept++] = id;
      continue;
    }
    had_large = had_large || is_large_request(t);
    drop(id);
    ++n;
  }
  released_due_.resize(kept);
  // The next look comes once a quarter more than are kept have finished: each task is looked
  // at about five times at most, and the table holds at most a quarter more than it must.
  next_release_ = kept + std::max(fewest_due, kept / 4);
  slide_window();
  if (had_large) {  // the arguments still kept for resubmit
    retained_.erase(std::remove_if(retained_.begin(), retained_.end(),
                                   [&](std::uint64_t id) { return !lookup(id); }),
                    retained_.end());
    retained_bytes_ = 0;
    for (auto id : retained_)
      if (const auto* t = lookup(id); !t->hub.is_request_dropped) retained_bytes_ += t->request.capacity();
  }
  return n;
}

void task_table::retain_arguments(task_data& t) {
  if (!is_large_request(t)) return;
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
