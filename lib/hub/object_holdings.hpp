// SPDX-License-Identifier: MIT
// Part of taskhub.
// Which engine holds which shared object or cached argument: the hub sends an object only where
// it is missing, and tells the holders to drop it once nothing refers to it.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hub/scheduler.hpp"
#include "taskhub/detail/shared_blob.hpp"
#include "transport/transport.hpp"

namespace taskhub::detail {

class object_holdings {
 public:
  /// Sends `slot`'s engine the objects its batch refers to that it lacks, ahead of the batch.
  void send_missing(transport& t, const engine_slot& slot);
  /// Tells the holders of objects that nothing refers to any more to drop them.
  void send_drops(transport& t);
  /// The bytes of objects sent, and of objects a task referred to that its engine held already.
  std::uint64_t bytes_sent() const { return sent_; }
  std::uint64_t bytes_saved() const { return saved_; }

 private:
  struct held {
    std::weak_ptr<const shared_blob> blob;
    std::vector<int> engines;
  };
  std::unordered_map<std::uint64_t, held> held_;
  std::uint64_t sent_ = 0, saved_ = 0;
};

/// The hub thread's holdings.
object_holdings& hub_objects();

}  // namespace taskhub::detail
