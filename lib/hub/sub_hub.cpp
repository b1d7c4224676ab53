// SPDX-License-Identifier: MIT
// Part of taskhub.
// A sub-hub.
#include "hub/sub_hub.hpp"

#include <cstring>
#include <memory>
#include <unordered_map>

#include "core/backoff.hpp"
#include "core/voice.hpp"
#include "hub/object_relay.hpp"
#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"
#include "transport/relay_parts.hpp"
#include "transport/tree_transport.hpp"

namespace taskhub::detail {
namespace {

// The shared objects a sub-hub holds for the engines below it, which its parent sent it once.
class object_store {
 public:
  object_store(tree_transport& down, std::vector<int> via, std::vector<bool> is_near)
      : down_(down), relay_(std::move(via), std::move(is_near), &down) {}

  /// Acts on a part the parent addressed to this sub-hub: a record about an object.
  void handle(bytes part) {
    if (part.size() < sizeof(record_header))
      throw decode_error("a part for the sub-hub itself is shorter than a record header");
    record_header h;
    std::memcpy(&h, part.data(), sizeof h);
    switch (h.kind) {
      case record_kind::object:
        if (h.length != part.size() - sizeof h)
          throw decode_error("an object's length does not match its part");
        objects_[h.task] = std::make_shared<const bytes>(std::move(part));
        return;
      case record_kind::object_give: {
        auto it = objects_.find(h.task);
        if (it == objects_.end()) {
          say_error("a sub-hub was asked to pass on object %llu, which it was never sent\n",
                    static_cast<unsigned long long>(h.task));
          return;
        }
        relay_.give(down_, static_cast<int>(h.flags), *it->second, it->second);
        return;
      }
      case record_kind::object_drop:
        objects_.erase(h.task);
        relay_.forget(h.task);
        return;
      default:
        say_error("a sub-hub ignored a record of kind %u addressed to itself\n",
                  static_cast<unsigned>(h.kind));
    }
  }

 private:
  tree_transport& down_;
  object_relay relay_;
  std::unordered_map<std::uint64_t, std::shared_ptr<const bytes>> objects_;
};

}  // namespace

void serve_sub_hub(transport& t, int self, int parent, std::vector<int> via,
                   std::vector<bool> is_near, relay_watch& engines) {
  tree_transport down(t, via);  // to the sub-hubs a level below, and to engines
  object_store objects(down, std::move(via), std::move(is_near));
  backoff wait;
  bytes up;
  bool is_over = false;
  for (;;) {
    bool did = false;
    int source = 0;
    bytes msg;
    while (t.poll(source, msg)) {
      did = true;
      if (source != parent) {  // an answer goes up with the others of this sweep
        if (down.is_relay(source)) {
          up.insert(up.end(), msg.begin(), msg.end());  // packed already
        } else {
          append_part(up, source, msg.data(), msg.size());
        }
        recycle_buffer(std::move(msg));
        if (up.size() >= relay_message_bytes) t.send(parent, std::move(up)), up = bytes();
        continue;
      }
      if (msg.empty()) {
        is_over = true;
        continue;
      }
      try {
        for_each_part(msg, [&](int peer, bytes part) {
          if (peer == self) return objects.handle(std::move(part));
          down.send(peer, std::move(part));
        });
      } catch (const std::exception& e) {
        say_error("a sub-hub dropped the rest of a malformed message from its parent: %s\n",
                  e.what());
      }
      recycle_buffer(std::move(msg));
    }
    if (!is_over) did |= engines.check(down, up);
    if (!up.empty()) {
      t.send(parent, std::move(up));
      up = bytes();
      did = true;
    }
    const bool is_sending = down.progress();
    if (is_over && !is_sending) return down.end_relays();
    if (did || is_sending) {
      wait.busy();
    } else {
      wait.idle(t, engines.until_due());
    }
  }
}

}  // namespace taskhub::detail
