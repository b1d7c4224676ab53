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
    batches_.emplace_back(new bytes(std::move(batch)), [](bytes* b) {
      recycle_buffer(std::move(*b));
      delete b;
    });
  }
  /// Marks the task record of `task` and `attempt` that has not been taken yet as dropped, so
  /// next() hands it out as a record to skip; returns whether there was one.
  bool drop(std::uint64_t task, std::uint32_t attempt) {
    std::size_t at = cursor_;
    for (auto& b : batches_) {
      while (at < b->size()) {
        record_header h;
        std::memcpy(&h, b->data() + at, sizeof h);
        if (h.kind == record_kind::task && h.task == task && attempt_of(h) == attempt) {
          set_kind(*b, at, record_kind::dropped);
          return true;
        }
        at += sizeof h + h.length;
      }
      at = 0;
    }
    return false;
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
  std::deque<std::shared_ptr<bytes>> batches_;
  std::size_t cursor_ = 0;
  std::size_t records_ = 0;
};

}  // namespace taskhub::detail
