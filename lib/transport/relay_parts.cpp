// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a relay carries.
#include "transport/relay_parts.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "taskhub/error.hpp"

namespace taskhub::detail {
namespace {

struct part_head {
  std::int32_t peer;
  std::uint32_t length;
};
static_assert(sizeof(part_head) == 8, "a part's head is 8 bytes");

std::size_t padded(std::size_t n) { return (n + 7) & ~std::size_t(7); }

}  // namespace

void append_part(bytes& out, int peer, const char* data, std::size_t n) {
  if (n > 0xffffffffu)
    throw error("a relayed message of " + std::to_string(n) + " bytes exceeds 4 GiB");
  const part_head head{peer, static_cast<std::uint32_t>(n)};
  const std::size_t at = out.size();
  out.resize(at + sizeof head + padded(n));
  std::memcpy(out.data() + at, &head, sizeof head);
  if (n) std::memcpy(out.data() + at + sizeof head, data, n);
}

bool part_reader::next(int& peer, const char*& data, std::size_t& n) {
  if (at_ == end_) return false;
  part_head head;
  if (static_cast<std::size_t>(end_ - at_) < sizeof head)
    throw decode_error("a relayed message ends inside a part's head");
  std::memcpy(&head, at_, sizeof head);
  const std::size_t room = static_cast<std::size_t>(end_ - at_) - sizeof head;
  if (head.peer < 0 || head.length > room)
    throw decode_error("a relayed part names rank " + std::to_string(head.peer) + " and " +
                       std::to_string(head.length) + " bytes, and " + std::to_string(room) +
                       " are left");
  peer = head.peer;
  data = at_ + sizeof head;
  n = head.length;
  at_ += sizeof head + std::min(padded(n), room);
  return true;
}

}  // namespace taskhub::detail
