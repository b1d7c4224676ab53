// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

// How the hub and its engines exchange batches: MPI between ranks, or in-memory mailboxes
// between threads of one process. Both speak the same records (detail/wire.hpp).

#include <mpi.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "taskhub/codec.hpp"

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
  /// The longest an idle() may last: short when a message can arrive without a wake-up.
  virtual std::chrono::microseconds longest_nap() const = 0;
};

/// Waits on a condition variable that wake() (and, locally, an arriving message) signals.
class sleeper {
 public:
  void sleep(std::chrono::microseconds most) {
    std::unique_lock<std::mutex> lock(m_);
    is_sleeping_.store(true);
    cv_.wait_for(lock, most, [&] { return is_woken_.exchange(false); });
    is_sleeping_.store(false);
  }
  void wake() {
    is_woken_.store(true);
    if (!is_sleeping_.load()) return;
    { std::lock_guard<std::mutex> lock(m_); }
    cv_.notify_one();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<bool> is_woken_{false};
  std::atomic<bool> is_sleeping_{false};
};

class doorbells;

/// Point-to-point messages on one communicator and tag. Idle ranks sleep on their doorbell;
/// senders ring the receiver's.
class mpi_transport : public transport {
 public:
  mpi_transport(MPI_Comm comm, int tag, doorbells& bells);
  ~mpi_transport() override;
  void send(int dest, bytes msg) override;
  void send_borrowed(int dest, const bytes& data, std::shared_ptr<const void> owner) override;
  bool poll(int& source, bytes& msg) override;
  bool progress() override;
  void idle(std::chrono::microseconds most) override;
  void wake() override;
  std::chrono::microseconds longest_nap() const override;

 private:
  struct pending {
    MPI_Request request;
    int dest;
    bytes data;
    std::shared_ptr<const void> owner;  // keeps borrowed data alive
  };
  void start(pending& p, const char* data, std::size_t n);
  bool has_message();

  MPI_Comm comm_;
  int tag_;
  int rank_ = 0;
  std::atomic<bool> is_woken_{false};
  doorbells& bells_;
  std::deque<pending> sending_;
};

/// Mailboxes for a hub (endpoint 0) and engine threads (endpoints 1..n) in one process.
class local_network {
 public:
  explicit local_network(int endpoints);
  std::unique_ptr<transport> endpoint(int rank);

 private:
  friend class local_transport;
  struct mailbox {
    std::mutex m;
    std::deque<std::pair<int, bytes>> messages;
    sleeper waiting;
  };
  std::vector<std::unique_ptr<mailbox>> boxes_;
};

/// Backs off when a loop finds nothing to do: yield for a while, then sleep in growing naps that a
/// doorbell (or a local wake) ends early.
/// Polling loops must never spin on a core they share with the ranks they wait for.
class backoff {
 public:
  void busy() { is_idle_ = false; }
  void idle(transport& t, std::chrono::microseconds cap = std::chrono::microseconds::max()) {
    const auto now = std::chrono::steady_clock::now();
    if (!is_idle_) {
      is_idle_ = true;
      since_ = now;
    }
    const auto quiet = std::chrono::duration_cast<std::chrono::microseconds>(now - since_);
    if (quiet < yield_for()) {
      std::this_thread::yield();
      return;
    }
    t.idle(std::min({std::max(quiet / 4, std::chrono::microseconds(20)), t.longest_nap(), cap}));
  }
  /// How long to keep yielding before sleeping (TASKHUB_YIELD_US, default 2 ms). Waking a
  /// sleeping core costs tens of microseconds on virtual machines; yielding keeps it awake.
  static std::chrono::microseconds yield_for();

 private:
  bool is_idle_ = false;
  std::chrono::steady_clock::time_point since_;
};

/// Throws taskhub::mpi_error naming `routine` unless `rc` is MPI_SUCCESS.
void check_mpi(int rc, const char* routine);

}  // namespace taskhub::detail
