// SPDX-License-Identifier: MIT
// Part of taskhub.
// Sending each engine's tasks in batches.
#include "hub/dispatch.hpp"

#include <algorithm>

#include "hub/object_holdings.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t max_batch_records = 64;
constexpr std::size_t max_batch_bytes = 1u << 20;

}  // namespace

bool send_batches(transport& t, std::vector<engine_slot>& slots, object_holdings& objects) {
  bool did = false;
  objects.send_drops(t);
  for (auto& s : slots) {
    auto& batch = s.batch;
    if (!batch.empty()) objects.send_missing(t, s);
    std::size_t i = 0;
    while (i < batch.size()) {
      std::size_t n = 0;
      if ((i + 1 == batch.size() || batch[i]->request.size() >= max_batch_bytes / 2) &&
          batch[i]->hub.attempt == 0) {
        t.send_borrowed(s.rank, batch[i]->request, nullptr);
        s.sent.push_back({batch[i]->id, batch[i]->hub.attempt});
        n = 1;
      } else {
        std::size_t total = 0;
        for (std::size_t k = i; k < batch.size() && k < i + max_batch_records; ++k)
          total += batch[k]->request.size();
        bytes msg = take_buffer(std::min(total, max_batch_bytes));
        while (i + n < batch.size() && n < max_batch_records &&
               (n == 0 || msg.size() + batch[i + n]->request.size() <= max_batch_bytes)) {
          const auto& task = *batch[i + n];
          const auto at = msg.size();
          put_raw(msg, task.request.data(), task.request.size());
          set_attempt(msg, at, task.hub.attempt);  // a late answer to an earlier one is known
          s.sent.push_back({task.id, task.hub.attempt});
          ++n;
        }
        t.send(s.rank, std::move(msg));
      }
      s.outstanding += static_cast<int>(n);
      i += n;
      did = true;
    }
    batch.clear();
  }
  return did;
}

}  // namespace taskhub::detail
