// SPDX-License-Identifier: MIT
// Part of taskhub.
// Which engine holds which shared object or cached argument: the hub sends an object only where
// it is missing (each link crossed once, hub/object_relay.hpp), and tells the holders to drop it
// once nothing refers to it.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hub/object_relay.hpp"
#include "hub/scheduler.hpp"
#include "taskhub/detail/shared_blob.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

class object_holdings {
 public:
  explicit object_holdings(object_relay relay) : relay_(std::move(relay)) {}
  /// Sends `slot`'s engine the objects its batch refers to that it lacks, ahead of the batch.
  void send_missing(transport& t, const engine_slot& slot);
  /// Tells the holders of objects that nothing refers to any more to drop them.
  void send_drops(transport& t);
  /// The bytes of objects the hub's links carried; written into its node's copies; and of those
  /// a task referred to that its engine held already, which did not travel.
  std::uint64_t bytes_sent() const { return relay_.bytes_sent(); }
  std::uint64_t bytes_on_node() const { return relay_.bytes_on_node(); }
  std::uint64_t bytes_saved() const { return saved_; }

 private:
  struct held {
    std::weak_ptr<const shared_blob> blob;
    std::vector<int> engines;
  };
  object_relay relay_;
  std::unordered_map<std::uint64_t, held> held_;
  std::uint64_t saved_ = 0;
};

}  // namespace taskhub::detail
