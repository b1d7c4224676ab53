// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's inbox: the batches it received, read record by record.
#pragma once

#include <cstring>
#include <deque>
#include <memory>

#include "taskhub/detail/runtime.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {

// A record to handle, and the batch it lives in: a task that waits for tasks it submitted lets
// its engine take later batches, so the batch must outlive the inbox's hold on it.
struct incoming {
  record_header h;
  const char* payload = nullptr;
  std::shared_ptr<const bytes> batch;
};

// Records waiting to run: the batches received, and a cursor in the oldest.
class inbox {
 public:
  void add(bytes batch) {
    record_reader r(batch.data(), batch.size());  // validates the framing before anything runs
    record_header h;
    const char* p;
    while (r.next(h, p)) ++records_;
    if (batch.empty()) return;
    batches_.emplace_back(new bytes(std::move(batch)), [](const bytes* b) {
      recycle_buffer(std::move(*const_cast<bytes*>(b)));
      delete b;
    });
  }
  bool next(incoming& r) {
    while (!batches_.empty()) {
      const auto& b = batches_.front();
      if (cursor_ < b->size()) {
        std::memcpy(&r.h, b->data() + cursor_, sizeof r.h);
        r.payload = b->data() + cursor_ + sizeof r.h;
        r.batch = b;
        cursor_ += sizeof r.h + r.h.length;
        --records_;
        return true;
      }
      batches_.pop_front();
      cursor_ = 0;
    }
    return false;
  }
  std::size_t size() const { return records_; }

 private:
  std::deque<std::shared_ptr<const bytes>> batches_;
  std::size_t cursor_ = 0;
  std::size_t records_ = 0;
};

}  // namespace taskhub::detail
