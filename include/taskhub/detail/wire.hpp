// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

// The message format: a batch is a sequence of records, each a fixed header and a payload.
// Sub-hubs can relay records without decoding payloads.

#include <cstdint>
#include <cstring>

#include "taskhub/detail/codec.hpp"

namespace taskhub::detail {

enum class record_kind : std::uint32_t {
  task = 1,      // hub -> engine: run handler on payload; flags = attempt (+ requirements bit)
  result = 2,    // engine -> hub: [started_us, completed_us] + result bytes; flags echoed
  failure = 3,   // engine -> hub: [started_us, completed_us] + type name + message
  stop = 4,      // hub -> engine: finish; payload = exit code
  stop_ack = 5,  // engine -> hub: stopped; nothing more follows
  submit = 6,    // engine -> hub: a task submitted by a task: [options length, options, record]
  blocked = 7,   // engine -> hub: a task waits for tasks it submitted (do not count it for hwm)
  unblocked = 8, // engine -> hub: it stopped waiting
  retire = 9,    // engine -> hub: a task crashed the engine; it runs nothing more
};
// The hub forwards the result or failure of a task an engine submitted to that engine, with the
// rank of the engine that ran it in `flags`.

struct record_header {
  std::uint64_t task;
  std::uint64_t handler;
  std::uint64_t length;  // payload bytes after this header
  record_kind kind;
  std::uint32_t flags;
};
static_assert(sizeof(record_header) == 32, "record_header must stay 32 bytes");

/// Appends a record header; returns its offset so the length can be patched.
inline std::size_t begin_record(bytes& out, record_kind kind, std::uint64_t task,
                                std::uint64_t handler) {
  const auto at = out.size();
  record_header h{task, handler, 0, kind, 0};
  put_raw(out, &h, sizeof h);
  return at;
}

/// Sets the length of the record that starts at `at` to everything written after its header.
inline void end_record(bytes& out, std::size_t at) {
  const std::uint64_t n = out.size() - at - sizeof(record_header);
  std::memcpy(out.data() + at + offsetof(record_header, length), &n, sizeof n);
}

/// Walks the records of one batch; rejects a header whose length overruns the batch.
class record_reader {
 public:
  record_reader(const char* data, std::size_t size) : at_(data), end_(data + size) {}
  bool next(record_header& h, const char*& payload) {
    if (at_ == end_) return false;
    if (static_cast<std::size_t>(end_ - at_) < sizeof h) throw decode_error("batch truncated");
    std::memcpy(&h, at_, sizeof h);
    at_ += sizeof h;
    if (static_cast<std::uint64_t>(end_ - at_) < h.length)
      throw decode_error("record of task " + std::to_string(h.task) + " overruns its batch");
    payload = at_;
    at_ += h.length;
    return true;
  }

 private:
  const char* at_;
  const char* end_;
};

}  // namespace taskhub::detail
