// SPDX-License-Identifier: MIT
// Part of taskhub.
// A sub-hub.
#include "hub/sub_hub.hpp"

#include "core/backoff.hpp"
#include "core/voice.hpp"
#include "taskhub/detail/runtime.hpp"
#include "transport/relay_parts.hpp"
#include "transport/tree_transport.hpp"

namespace taskhub::detail {

void serve_sub_hub(transport& t, int parent, std::vector<int> via, relay_watch& engines) {
  tree_transport down(t, std::move(via));  // to the sub-hubs a level below, and to engines
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
        for_each_part(msg, [&down](int peer, bytes part) { down.send(peer, std::move(part)); });
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
