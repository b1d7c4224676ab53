// SPDX-License-Identifier: MIT
// Part of taskhub.
// A sub-hub: a rank that relays between its parent (the root) and the engines of its node. What
// the parent packs for its engines it hands to each over lanes; what they answer it packs into
// one message up, a sweep's worth at a time, so the parent's messages grow with the sub-hubs, not
// with the engines. It watches its engines' processes (hub/relay_watch.hpp) and tells the parent
// of one that dies.
#pragma once

#include "hub/relay_watch.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

/// Relays until the parent sends an empty message (the run is over) and what waits is sent;
/// `engines` watches the engines it relays to.
void serve_sub_hub(transport& t, int parent, relay_watch& engines);

}  // namespace taskhub::detail
