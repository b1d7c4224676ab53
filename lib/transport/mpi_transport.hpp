// SPDX-License-Identifier: MIT
// Part of taskhub.
// The transport between ranks: shared-memory lanes on a node, MPI otherwise.
#pragma once

#include <mpi.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "transport/transport.hpp"

namespace taskhub::detail {

class doorbells;
class lane;
class lanes;

/// Point-to-point messages on one communicator: through lanes (shared memory) between the hub
/// and the engines of its node, otherwise through MPI on `tag` (and, for messages too large for a
/// lane, on `tag + 1`). Idle ranks sleep on their doorbell; senders ring the receiver's.
/// Any thread may use it, one at a time (MPI_THREAD_SERIALIZED): its MPI calls take one lock, so
/// a thread's probe before it sleeps never meets another thread's pass.
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
  bool is_shareable() const override { return true; }

 private:
  struct pending {
    MPI_Request request;
    int dest;
    bytes data;
    std::shared_ptr<const void> owner;  // keeps borrowed data alive
  };
  // A message waiting for room in its lane.
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
  std::mutex mpi_m_;  // held by every MPI call
};

}  // namespace taskhub::detail
