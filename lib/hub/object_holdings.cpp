// SPDX-License-Identifier: MIT
// Part of taskhub.
// Sending shared objects and cached arguments once per engine.
#include "hub/object_holdings.hpp"

#include <algorithm>

#include "taskhub/detail/task_data.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

// An object goes ahead of the batch whose tasks refer to it, from its blob without a copy:
// messages to one engine arrive in the order sent.
void object_holdings::send_missing(transport& t, const engine_slot& slot) {
  for (const task_data* task : slot.batch) {
    for (const auto& b : task->objects) {
      auto& h = held_[b->id];
      if (h.blob.expired()) h.blob = b;
      if (std::find(h.engines.begin(), h.engines.end(), slot.rank) != h.engines.end()) {
        saved_ += b->size;
        continue;
      }
      relay_.give(t, slot.rank, b->record, b);
      h.engines.push_back(slot.rank);
    }
  }
}

void object_holdings::send_drops(transport& t) {
  for (auto it = held_.begin(); it != held_.end();) {
    if (!it->second.blob.expired()) {
      ++it;
      continue;
    }
    for (int rank : it->second.engines) {
      bytes msg;
      end_record(msg, begin_record(msg, record_kind::object_drop, it->first, 0));
      t.send(rank, std::move(msg));
    }
    relay_.forget(it->first);
    it = held_.erase(it);
  }
}

}  // namespace taskhub::detail
