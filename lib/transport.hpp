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

  // A transport has an owner, the thread that may call MPI (at first, the one that made it).
  // When every peer is reached without MPI, other threads may send, poll and progress too, one at
  // a time; what needs MPI then waits for the owner.
  /// Makes the calling thread the owner.
  virtual void claim() {}
  /// Whether threads besides the owner may use the transport (one at a time).
  virtual bool is_shareable() const { return false; }
  /// Whether work waits that only the owner can do; safe from any thread.
  virtual bool wants_owner() const { return false; }
  /// The owner starts a pass in which it will poll and progress: what waited for it is its own.
  virtual void begin_owner_pass() {}
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
class lane;
class lanes;

/// Point-to-point messages on one communicator: through lanes (shared memory) between the hub
/// and the engines of its node, otherwise through MPI on `tag` (and, for messages too large for a
/// lane, on `tag + 1`). Idle ranks sleep on their doorbell; senders ring the receiver's.
class mpi_transport : public transport {
 public:
  mpi_transport(MPI_Comm comm, int tag, doorbells& bells, lanes* lanes = nullptr);
  ~mpi_transport() override;
  void send(int dest, bytes msg) override;
  void send_borrowed(int dest, const bytes& data, std::shared_ptr<const void> owner) override;
  bool poll(int& source, bytes& msg) override;
  bool progress() override;
  void idle(std::chrono::microseconds most) override;
  void wake() override;
  std::chrono::microseconds longest_nap() const override;
  void claim() override { owner_ = std::this_thread::get_id(); }
  bool is_shareable() const override { return is_lane_only_; }
  bool wants_owner() const override { return wants_owner_.load(); }
  void begin_owner_pass() override { wants_owner_.store(false); }

 private:
  struct pending {
    MPI_Request request;
    int dest;
    bytes data;
    std::shared_ptr<const void> owner;  // keeps borrowed data alive
  };
  // A message waiting for room in its lane (or, if too large for one, for the owner).
  struct outgoing {
    bytes data;
    const bytes* borrowed = nullptr;  // sent instead of data when set
    std::shared_ptr<const void> owner;
    const bytes& payload() const { return borrowed ? *borrowed : data; }
  };
  struct link {
    lane* out = nullptr;
    lane* in = nullptr;
    std::deque<outgoing> backlog;
  };
  void start(pending& p, const char* data, std::size_t n, int tag);
  void send_mpi(int dest, int tag, outgoing m);
  bool put(int dest, link& l, outgoing& m);
  void send_linked(int dest, link& l, outgoing m);
  bool poll_lanes(int& source, bytes& msg);
  bool is_owner() const { return std::this_thread::get_id() == owner_; }
  bool has_message();

  MPI_Comm comm_;
  int tag_;
  int rank_ = 0;
  std::atomic<bool> is_woken_{false};
  doorbells& bells_;
  std::deque<pending> sending_;
  std::vector<link> links_;         // by rank; links_[r].out is null without a lane to r
  std::vector<int> linked_;         // the ranks with lanes
  std::size_t next_lane_ = 0;       // where the next poll starts, so no lane starves
  bool is_lane_only_ = false;       // every peer has a lane
  std::thread::id owner_ = std::this_thread::get_id();
  std::atomic<bool> wants_owner_{false};
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

/// The rank in `comm` of each rank of `part` (a communicator split from it), in `part`'s order.
std::vector<int> ranks_in(MPI_Comm part, MPI_Comm comm);

}  // namespace taskhub::detail
