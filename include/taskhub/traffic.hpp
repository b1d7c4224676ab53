// SPDX-License-Identifier: MIT
// Part of taskhub.
// Counts of the messages and bytes a rank exchanged.
#pragma once

#include <cstdint>
#include <map>

namespace taskhub {

/// Messages and bytes sent and received, as the transport carried them (a batch of records is
/// one message).
struct traffic {
  std::uint64_t messages_sent = 0, bytes_sent = 0;
  std::uint64_t messages_received = 0, bytes_received = 0;
};

/// What the hub exchanged: in all, and with each engine (by rank).
///
/// ```
/// auto t = hub.traffic();
/// std::printf("%llu messages in\n", (unsigned long long)t.hub.messages_received);
/// ```
struct traffic_report {
  traffic hub;
  std::map<int, traffic> engines;
};

}  // namespace taskhub
