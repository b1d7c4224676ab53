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

/// What the hub exchanged: in all, with each engine (by rank), and on the wire with each rank it
/// talks to directly. In a flat run `peers` is `engines`; through a tree of sub-hubs (see the
/// guide) `peers` holds the sub-hubs and the engines the root serves itself, `hub` adds up
/// `peers`, and each engine's figures are what went to and from it through its sub-hub.
///
/// ```
/// auto t = hub.traffic();
/// std::printf("%llu messages in\n", (unsigned long long)t.hub.messages_received);
/// ```
struct traffic_report {
  traffic hub;
  std::map<int, traffic> engines;
  std::map<int, traffic> peers;
  /// Results passed as arguments (doc/guide.md, "Results as arguments"), in bytes: carried in
  /// tasks by the hub (results that came back to rank 0), sent from the engine that kept them to
  /// the engine that took them, and read where they were kept.
  std::uint64_t results_carried = 0, results_forwarded = 0, results_local = 0;
  /// The bytes of shared objects and cached arguments the hub sent on its links (once per engine
  /// that lacked them, or once per sub-hub that leads to such engines); wrote once into memory of
  /// its node, which the engines there map instead of receiving a copy; and of those tasks took on
  /// an engine that held them already, which did not travel.
  std::uint64_t object_bytes_sent = 0, object_bytes_on_node = 0, object_bytes_saved = 0;
};

}  // namespace taskhub
