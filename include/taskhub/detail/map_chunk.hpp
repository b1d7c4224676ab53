// SPDX-License-Identifier: MIT
// Part of taskhub.
// The arguments of a map chunk, the only owner of their format: [count][(length, arguments)...].
#pragma once

#include <cstdint>
#include <cstring>

#include "taskhub/detail/codec.hpp"

namespace taskhub::detail {

/// Writes a chunk's items after what `out` already holds; end() seals the count.
class chunk_writer {
 public:
  explicit chunk_writer(bytes& out) : out_(out), count_at_(out.size()) {
    encode<std::uint64_t>(out_, 0);
  }
  /// Appends one item: `encode_item(out)` writes its arguments.
  template <class EncodeItem>
  void add(EncodeItem&& encode_item) {
    const auto length_at = out_.size();
    encode<std::uint64_t>(out_, 0);
    encode_item(out_);
    set(length_at, out_.size() - length_at - sizeof(std::uint64_t));
    ++count_;
  }
  std::size_t count() const { return count_; }
  void end() { set(count_at_, count_); }

 private:
  void set(std::size_t at, std::uint64_t value) { std::memcpy(out_.data() + at, &value, sizeof value); }

  bytes& out_;
  std::size_t count_at_;
  std::size_t count_ = 0;
};

/// Calls `item(reader&)` for each item of a chunk, in order.
template <class Item>
void for_each_chunk_item(reader& in, Item&& item) {
  const auto n = decode<std::uint64_t>(in);
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto length = decode<std::uint64_t>(in);
    reader one(in.take(length), length);
    item(one);
  }
}

}  // namespace taskhub::detail
