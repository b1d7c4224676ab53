// SPDX-License-Identifier: MIT
// Part of taskhub.
// How the hub, or a sub-hub, gets a shared object to an engine below it so that the object
// crosses each link once: an engine of its own node maps the node's one copy
// (core/object_memory.hpp); an engine behind a sub-hub gets it from that sub-hub, which is sent
// the object once and holds it; any other engine is sent its bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/object_memory.hpp"
#include "taskhub/detail/codec.hpp"
#include "transport/transport.hpp"
#include "transport/tree_transport.hpp"

namespace taskhub::detail {

class object_relay {
 public:
  object_relay() = default;
  /// Per rank: `via`, the sub-hub below this rank that leads to it (-1: reached directly, or not
  /// below); `is_near`, whether it is an engine of this node that maps the node's copy (empty:
  /// node copies are off). `tree` packs parts for the sub-hubs (null in a flat run).
  object_relay(std::vector<int> via, std::vector<bool> is_near, tree_transport* tree)
      : via_(std::move(via)), is_near_(std::move(is_near)), tree_(tree) {}

  /// Gets the object of `record` (an `object` record, which `owner` keeps alive while it is sent)
  /// to engine `dest`, sending through `t`.
  void give(transport& t, int dest, const bytes& record, std::shared_ptr<const void> owner);
  /// Object `id` is gone: the node's copy goes, and the sub-hubs below that hold it are told.
  void forget(std::uint64_t id);

  /// Bytes of objects this rank's links carried, and bytes written into node copies.
  std::uint64_t bytes_sent() const { return sent_; }
  std::uint64_t bytes_on_node() const { return on_node_; }

 private:
  struct held {
    std::unique_ptr<object_memory> copy;
    bool is_copy_refused = false;
    std::vector<int> relays;  // the sub-hubs below that were sent it
  };
  bool is_near(int rank) const {
    return rank >= 0 && static_cast<std::size_t>(rank) < is_near_.size() &&
           is_near_[static_cast<std::size_t>(rank)];
  }
  int via(int rank) const {
    return tree_ && rank >= 0 && static_cast<std::size_t>(rank) < via_.size()
               ? via_[static_cast<std::size_t>(rank)]
               : -1;
  }

  std::vector<int> via_;
  std::vector<bool> is_near_;
  tree_transport* tree_ = nullptr;
  std::unordered_map<std::uint64_t, held> held_;
  std::uint64_t sent_ = 0, on_node_ = 0;
};

}  // namespace taskhub::detail
