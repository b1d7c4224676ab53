// SPDX-License-Identifier: MIT
// Part of taskhub.
// The root's transport in a tree of sub-hubs: messages for an engine behind a sub-hub are packed,
// a pass's worth per sub-hub, into one message to that sub-hub, and the sub-hub's packed answers
// are unpacked into one message per engine. Engines the root serves itself (on its own node) are
// reached directly. Above it the hub sees the same engines and messages as in a flat run, so
// everything that works flat works through the tree.
#pragma once

#include <algorithm>
#include <deque>
#include <vector>

#include "transport/transport.hpp"

namespace taskhub::detail {

class tree_transport : public transport {
 public:
  /// `via`: per rank, the sub-hub that relays to it, or -1 when `inner` reaches it directly.
  tree_transport(transport& inner, std::vector<int> via);
  void send(int dest, bytes msg) override;
  void send_borrowed(int dest, const bytes& data, std::shared_ptr<const void> owner) override;
  /// Packs `n` bytes at `data` (records) for sub-hub `relay` itself, in order with what goes to
  /// the engines behind it.
  void send_to_relay(int relay, const char* data, std::size_t n);
  bool poll(int& source, bytes& msg) override;
  bool progress() override;
  void idle(std::chrono::microseconds most) override;
  void wake() override { inner_.wake(); }
  std::chrono::microseconds longest_nap() const override { return inner_.longest_nap(); }
  void forget(int peer) override;
  /// The root's messages on the wire (to and from sub-hubs and the engines it serves itself);
  /// counted_by_peer() keeps each engine's own, as in a flat run.
  const taskhub::traffic& counted() const override { return inner_.counted(); }
  const std::vector<taskhub::traffic>& counted_on_wire_by_peer() const override {
    return inner_.counted_by_peer();
  }

  /// Whether `rank` is a sub-hub this transport packs for (its messages arrive packed).
  bool is_relay(int rank) const { return std::binary_search(relays_.begin(), relays_.end(), rank); }
  /// Tells every sub-hub that the run is over (an empty message) and waits until that is sent.
  void end_relays();

 private:
  struct received {
    int source;
    bytes data;
  };
  void flush();

  transport& inner_;
  const std::vector<int> via_;
  std::vector<int> relays_;      // the sub-hubs, in rank order
  std::vector<bytes> outboxes_;  // by rank of sub-hub: what waits to go there
  std::vector<bool> is_gone_;    // by rank: forgotten (an engine, or a sub-hub that died)
  std::deque<received> unpacked_;
};

}  // namespace taskhub::detail
