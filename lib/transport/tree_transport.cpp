// SPDX-License-Identifier: MIT
// Part of taskhub.
// The root's transport in a tree of sub-hubs.
#include "transport/tree_transport.hpp"

#include <algorithm>
#include <thread>

#include "core/voice.hpp"
#include "taskhub/detail/runtime.hpp"
#include "transport/relay_parts.hpp"

namespace taskhub::detail {

tree_transport::tree_transport(transport& inner, std::vector<int> via)
    : inner_(inner), via_(std::move(via)) {
  outboxes_.resize(via_.size());
  is_gone_.assign(via_.size(), false);
  for (int v : via_)
    if (v >= 0 && std::find(relays_.begin(), relays_.end(), v) == relays_.end())
      relays_.push_back(v);
  std::sort(relays_.begin(), relays_.end());
}

void tree_transport::send(int dest, bytes msg) {
  const auto d = static_cast<std::size_t>(dest);
  if (is_gone_[d]) return recycle_buffer(std::move(msg));
  count_sent(dest, msg.size());
  const int v = via_[d];
  if (v < 0) return inner_.send(dest, std::move(msg));
  bytes& out = outboxes_[static_cast<std::size_t>(v)];
  append_part(out, dest, msg.data(), msg.size());
  recycle_buffer(std::move(msg));
  if (out.size() >= relay_message_bytes) inner_.send(v, std::move(out)), out = bytes();
}

void tree_transport::send_borrowed(int dest, const bytes& data, std::shared_ptr<const void> owner) {
  const auto d = static_cast<std::size_t>(dest);
  if (is_gone_[d]) return;
  count_sent(dest, data.size());
  const int v = via_[d];
  if (v < 0) return inner_.send_borrowed(dest, data, std::move(owner));
  bytes& out = outboxes_[static_cast<std::size_t>(v)];
  append_part(out, dest, data.data(), data.size());
  if (out.size() >= relay_message_bytes) inner_.send(v, std::move(out)), out = bytes();
}

void tree_transport::send_to_relay(int relay, const char* data, std::size_t n) {
  const auto v = static_cast<std::size_t>(relay);
  if (is_gone_[v]) return;
  bytes& out = outboxes_[v];
  append_part(out, relay, data, n);
  if (out.size() >= relay_message_bytes) inner_.send(relay, std::move(out)), out = bytes();
}

bool tree_transport::poll(int& source, bytes& msg) {
  for (;;) {
    if (!unpacked_.empty()) {
      source = unpacked_.front().source;
      msg = std::move(unpacked_.front().data);
      unpacked_.pop_front();
      count_received(source, msg.size());
      return true;
    }
    int from = 0;
    bytes got;
    if (!inner_.poll(from, got)) return false;
    if (!is_relay(from)) {
      source = from;
      msg = std::move(got);
      count_received(source, msg.size());
      return true;
    }
    try {
      for_each_part(got, [this](int peer, bytes part) {
        unpacked_.push_back({peer, std::move(part)});
      });
    } catch (const std::exception& e) {  // what came before the damage is kept
      say_info("dropped the rest of a malformed message from sub-hub %d: %s\n", from, e.what());
    }
    recycle_buffer(std::move(got));
  }
}

void tree_transport::flush() {
  for (int v : relays_) {
    bytes& out = outboxes_[static_cast<std::size_t>(v)];
    if (out.empty()) continue;
    if (is_gone_[static_cast<std::size_t>(v)]) {  // a sub-hub that died
      out.clear();
      continue;
    }
    inner_.send(v, std::move(out));
    out = bytes();
  }
}

bool tree_transport::progress() {
  flush();
  return inner_.progress() || !unpacked_.empty();
}

void tree_transport::idle(std::chrono::microseconds most) {
  if (!unpacked_.empty()) return;
  inner_.idle(most);
}

void tree_transport::forget(int peer) {
  is_gone_[static_cast<std::size_t>(peer)] = true;
  if (via_[static_cast<std::size_t>(peer)] < 0) inner_.forget(peer);
}

void tree_transport::end_relays() {
  flush();
  for (int v : relays_)
    if (!is_gone_[static_cast<std::size_t>(v)]) inner_.send(v, bytes());
  while (inner_.progress()) std::this_thread::yield();
}

}  // namespace taskhub::detail
