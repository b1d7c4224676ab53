// SPDX-License-Identifier: MIT
// Part of taskhub.
// Sending what the scheduler assigned: each engine's tasks go out in batches.
#pragma once

#include <vector>

#include "hub/object_holdings.hpp"
#include "hub/scheduler.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

/// Sends every slot's batch and empties it; returns whether it sent anything. A first attempt
/// alone goes from the task's own buffer, without a copy: the caller keeps the task (and its
/// request) until the send has finished. The objects the tasks take go first, where missing.
bool send_batches(transport& t, std::vector<engine_slot>& slots, object_holdings& objects);

}  // namespace taskhub::detail
