// SPDX-License-Identifier: MIT
// Part of taskhub.
// The transport between ranks: shared-memory lanes on a node, MPI otherwise.
#pragma once

#include <mpi.h>

#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "transport/transport.hpp"

namespace taskhub::detail {

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
  void forget(int peer) override;
  /// Messages for rank 0 (the hub) go to `rank` instead: an engine's sub-hub.
  void set_uplink(int rank) { uplink_ = rank; }
  void listen_to_all(bool yes) override { is_listening_to_all_ = yes; }
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
    bool is_gone = false;  // the peer's process ended
  };
  void start(pending& p, const char* data, std::size_t n, int tag);
  void send_mpi(int dest, int tag, outgoing m);
  bool put(int dest, link& l, outgoing& m);
  void send_linked(int dest, link& l, outgoing m);
  bool poll_lanes(int& source, bytes& msg);
  bool poll_mpi(int& source, bytes& msg);
  bool is_owner() const { return std::this_thread::get_id() == owner_; }
  bool has_message();

  MPI_Comm comm_;
  int tag_;
  int rank_ = 0;
  int uplink_ = 0;
  bool is_listening_to_all_ = false;
  std::atomic<bool> is_woken_{false};
  doorbells& bells_;
  std::deque<pending> sending_;
  // Sends to peers that died, which never finish: MPI keeps their requests and buffers, so they
  // are kept until the process ends.
  std::deque<pending>* abandoned_ = nullptr;
  std::vector<link> links_;         // by rank; links_[r].out is null without a lane to r
  std::vector<int> linked_;         // the ranks with lanes
  std::size_t next_lane_ = 0;       // where the next poll starts, so no lane starves
  bool is_lane_only_ = false;       // every peer has a lane
  std::thread::id owner_ = std::this_thread::get_id();
  std::atomic<bool> wants_owner_{false};
};

}  // namespace taskhub::detail
