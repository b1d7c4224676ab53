// SPDX-License-Identifier: MIT
// Part of taskhub.
// The transport interface: how the hub and its engines exchange batches of records
// (detail/wire.hpp), through MPI between ranks or mailboxes between threads of one process.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/traffic.hpp"

namespace taskhub::detail {

class transport {
 public:
  virtual ~transport() = default;
  /// Sends `msg` to `dest` without waiting; the transport owns the buffer until it is sent.
  virtual void send(int dest, bytes msg) = 0;
  /// Sends `data` to `dest` without copying it where it can; `owner` keeps it alive meanwhile
  /// and it must not change until then.
  virtual void send_borrowed(int dest, const bytes& data, std::shared_ptr<const void> owner) = 0;
  /// Takes one message if one has arrived; never blocks.
  virtual bool poll(int& source, bytes& msg) = 0;
  /// Completes sends that have finished; returns whether any are still pending.
  virtual bool progress() = 0;
  /// Sleeps up to `most`, or less if a message arrives or wake() is called.
  virtual void idle(std::chrono::microseconds most) = 0;
  /// Ends an idle() early; safe from any thread.
  virtual void wake() = 0;
  /// `peer`'s process has ended: drops what waits to go there, sends nothing more there, and
  /// reads nothing more from there.
  virtual void forget(int peer) { (void)peer; }
  /// Whether to look for messages from every rank (an engine waiting for another engine's kept
  /// result), not only from those the transport expects (its links to the hub).
  virtual void listen_to_all(bool yes) { (void)yes; }
  /// The longest an idle() may last: short when a message can arrive without a wake-up.
  virtual std::chrono::microseconds longest_nap() const = 0;

  /// Whether threads other than the one that made it may use the transport (one at a time).
  virtual bool is_shareable() const { return false; }

  /// What this end sent and received, in all, as messages on the wire; read by the thread that
  /// uses it.
  virtual const taskhub::traffic& counted() const { return total_; }
  /// The same with each peer, by rank (shorter than the highest rank when nothing went there).
  const std::vector<taskhub::traffic>& counted_by_peer() const { return by_peer_; }
  /// The messages on the wire with each rank this end talks to directly, by rank.
  virtual const std::vector<taskhub::traffic>& counted_on_wire_by_peer() const { return by_peer_; }

 protected:
  void count_sent(int dest, std::size_t n) {
    ++total_.messages_sent;
    total_.bytes_sent += n;
    auto& p = peer(dest);
    ++p.messages_sent;
    p.bytes_sent += n;
  }
  void count_received(int source, std::size_t n) {
    ++total_.messages_received;
    total_.bytes_received += n;
    auto& p = peer(source);
    ++p.messages_received;
    p.bytes_received += n;
  }

 private:
  taskhub::traffic& peer(int rank) {
    const auto at = static_cast<std::size_t>(rank);
    if (at >= by_peer_.size()) by_peer_.resize(at + 1);
    return by_peer_[at];
  }

  taskhub::traffic total_;
  std::vector<taskhub::traffic> by_peer_;
};

}  // namespace taskhub::detail
