// SPDX-License-Identifier: MIT
// Part of taskhub.
// A sub-hub.
#include "hub/sub_hub.hpp"

#include "core/backoff.hpp"
#include "core/voice.hpp"
#include "taskhub/detail/runtime.hpp"
#include "transport/relay_parts.hpp"

namespace taskhub::detail {

void serve_sub_hub(transport& t, int parent, relay_watch& engines) {
  t.claim();
  backoff wait;
  bytes up;
  bool is_over = false;
  for (;;) {
    bool did = false;
    int source = 0;
    bytes msg;
    while (t.poll(source, msg)) {
      did = true;
      if (source != parent) {  // an engine's batch goes up with the others of this sweep
        append_part(up, source, msg.data(), msg.size());
        recycle_buffer(std::move(msg));
        if (up.size() >= relay_message_bytes) t.send(parent, std::move(up)), up = bytes();
        continue;
      }
      if (msg.empty()) {
        is_over = true;
        continue;
      }
      try {
        for_each_part(msg, [&t](int peer, bytes part) { t.send(peer, std::move(part)); });
      } catch (const std::exception& e) {
        say_error("a sub-hub dropped the rest of a malformed message from its parent: %s\n",
                  e.what());
      }
      recycle_buffer(std::move(msg));
    }
    if (!is_over) did |= engines.check(t, up);
    if (!up.empty()) {
      t.send(parent, std::move(up));
      up = bytes();
      did = true;
    }
    const bool is_sending = t.progress();
    if (is_over && !is_sending) return;
    if (did || is_sending) {
      wait.busy();
    } else {
      wait.idle(t, engines.until_due());
    }
  }
}

}  // namespace taskhub::detail
