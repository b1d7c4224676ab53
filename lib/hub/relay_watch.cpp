// SPDX-License-Identifier: MIT
// Part of taskhub.
// A sub-hub's watch on the engines it relays to.
#include "hub/relay_watch.hpp"

#include <cstdint>

#include "taskhub/detail/wire.hpp"
#include "transport/relay_parts.hpp"

namespace taskhub::detail {

relay_watch::relay_watch(std::vector<int> engines, std::vector<long> pids)
    : engines_(std::move(engines)), pids_(std::move(pids)), deaths_(pids_) {}

bool relay_watch::check(transport& t, bytes& up) {
  bool did = false;
  for (const std::size_t i : deaths_.check()) {
    t.forget(engines_[i]);
    bytes record;
    const auto at = begin_record(record, record_kind::died, 0, 0);
    const std::int64_t pid = pids_[i];
    put_raw(record, &pid, sizeof pid);
    end_record(record, at);
    append_part(up, engines_[i], record.data(), record.size());
    did = true;
  }
  return did;
}

}  // namespace taskhub::detail
