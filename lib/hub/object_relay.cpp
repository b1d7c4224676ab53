// SPDX-License-Identifier: MIT
// Part of taskhub.
// Getting a shared object to an engine, each link crossed once.
#include "hub/object_relay.hpp"

#include <algorithm>
#include <cstring>

#include "core/voice.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

void object_relay::give(transport& t, int dest, const bytes& record,
                        std::shared_ptr<const void> owner) {
  record_header h;
  std::memcpy(&h, record.data(), sizeof h);
  held& o = held_[h.task];
  if (const int v = via(dest); v >= 0) {
    if (std::find(o.relays.begin(), o.relays.end(), v) == o.relays.end()) {
      tree_->send_to_relay(v, record.data(), record.size());
      o.relays.push_back(v);
      sent_ += h.length;
    }
    bytes msg;
    const auto at = begin_record(msg, record_kind::object_give, h.task, h.handler);
    set_flags(msg, at, static_cast<std::uint32_t>(dest));
    end_record(msg, at);
    tree_->send_to_relay(v, msg.data(), msg.size());
    return;
  }
  if (is_near(dest) && !o.is_copy_refused) {
    if (!o.copy) {
      try {
        o.copy = std::make_unique<object_memory>(record.data() + sizeof h,
                                                 static_cast<std::size_t>(h.length));
        on_node_ += h.length;
      } catch (const std::exception& e) {
        say_info("the engines of this node are sent their own copies of object %llu: %s\n",
                 static_cast<unsigned long long>(h.task), e.what());
        o.is_copy_refused = true;
      }
    }
    if (o.copy) {
      bytes msg;
      const auto at = begin_record(msg, record_kind::object_mapped, h.task, h.handler);
      put_raw(msg, &o.copy->place(), sizeof(object_place));
      end_record(msg, at);
      t.send(dest, std::move(msg));
      return;
    }
  }
  t.send_borrowed(dest, record, std::move(owner));
  sent_ += h.length;
}

void object_relay::forget(std::uint64_t id) {
  auto it = held_.find(id);
  if (it == held_.end()) return;
  for (int v : it->second.relays) {
    bytes msg;
    end_record(msg, begin_record(msg, record_kind::object_drop, id, 0));
    tree_->send_to_relay(v, msg.data(), msg.size());
  }
  held_.erase(it);
}

}  // namespace taskhub::detail
