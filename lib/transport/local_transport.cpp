// SPDX-License-Identifier: MIT
// Part of taskhub.
// The transport between the hub and engine threads of one process.
#include "taskhub/detail/runtime.hpp"
#include "transport/local_transport.hpp"

namespace taskhub::detail {

class local_transport : public transport {
 public:
  local_transport(local_network& net, int rank) : net_(net), rank_(rank) {}
  void send(int dest, bytes msg) override {
    count_sent(dest, msg.size());
    auto& box = *net_.boxes_.at(static_cast<std::size_t>(dest));
    {
      std::lock_guard<std::mutex> lock(box.m);
      box.messages.emplace_back(rank_, std::move(msg));
    }
    box.waiting.wake();
  }
  void send_borrowed(int dest, const bytes& data, std::shared_ptr<const void>) override {
    bytes copy = take_buffer(data.size());
    copy.assign(data.begin(), data.end());
    send(dest, std::move(copy));
  }
  bool poll(int& source, bytes& msg) override {
    auto& box = own();
    std::lock_guard<std::mutex> lock(box.m);
    if (box.messages.empty()) return false;
    source = box.messages.front().first;
    msg = std::move(box.messages.front().second);
    box.messages.pop_front();
    count_received(source, msg.size());
    return true;
  }
  bool progress() override { return false; }
  // A message sent since the last poll has set the mailbox's wake flag, so sleep returns at once.
  void idle(std::chrono::microseconds most) override { own().waiting.sleep(most); }
  void wake() override { own().waiting.wake(); }
  std::chrono::microseconds longest_nap() const override { return std::chrono::milliseconds(50); }

 private:
  local_network::mailbox& own() { return *net_.boxes_[static_cast<std::size_t>(rank_)]; }
  local_network& net_;
  int rank_;
};

local_network::local_network(int endpoints) {
  for (int i = 0; i < endpoints; ++i) boxes_.push_back(std::make_unique<mailbox>());
}

std::unique_ptr<transport> local_network::endpoint(int rank) {
  return std::make_unique<local_transport>(*this, rank);
}

}  // namespace taskhub::detail
