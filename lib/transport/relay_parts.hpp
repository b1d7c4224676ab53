// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a relay carries: one message holds the messages of several peers, each as a part
// [peer rank: 4 bytes][length: 4 bytes][bytes, padded to 8]. The root packs what it sends to the
// engines behind one sub-hub into one message a pass; the sub-hub packs what its engines answer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/runtime.hpp"

namespace taskhub::detail {

/// The most a relayed message grows to before it is sent (a part alone may be larger).
inline constexpr std::size_t relay_message_bytes = std::size_t(1) << 20;

/// Appends a part for `peer` to `out`.
void append_part(bytes& out, int peer, const char* data, std::size_t n);

/// Reads the parts of a relayed message; throws decode_error on a malformed one.
class part_reader {
 public:
  part_reader(const char* data, std::size_t n) : at_(data), end_(data + n) {}
  /// The next part, if any.
  bool next(int& peer, const char*& data, std::size_t& n);

 private:
  const char* at_;
  const char* end_;
};

/// Calls `fn(peer, part)` with each part of `msg`, copied into a buffer of its own.
template <class Fn>
void for_each_part(const bytes& msg, Fn&& fn) {
  part_reader parts(msg.data(), msg.size());
  int peer = 0;
  const char* data = nullptr;
  std::size_t n = 0;
  while (parts.next(peer, data, n)) {
    bytes part = take_buffer(n);
    part.assign(data, data + n);
    fn(peer, std::move(part));
  }
}

}  // namespace taskhub::detail
