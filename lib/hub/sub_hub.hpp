// SPDX-License-Identifier: MIT
// Part of taskhub.
// A sub-hub: a rank that relays between its parent (the root, or a sub-hub a level up) and its
// children: the engines of its group, and the sub-hubs of a level below. What the parent packs
// for the ranks below it hands to each engine over lanes, or packs again for the child sub-hub
// that leads there; what comes up (an engine's answer, a child's packed answers) it packs into
// one message up, a sweep's worth at a time, so a parent's messages grow with its children, not
// with the engines below them. It watches its engines' processes (hub/relay_watch.hpp) and tells
// the root of one that dies.
#pragma once

#include <vector>

#include "hub/relay_watch.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

/// `self` is this rank. Relays until the parent sends an empty message (the run is over), tells its
/// child sub-hubs, and what waits is sent. `via`: per rank, the child sub-hub that leads to it, or
/// -1; `is_near`: per rank, whether it is an engine of this node that maps the node's copy of a
/// shared object; `engines` watches the engines it relays to itself.
void serve_sub_hub(transport& t, int self, int parent, std::vector<int> via,
                   std::vector<bool> is_near, relay_watch& engines);

}  // namespace taskhub::detail
