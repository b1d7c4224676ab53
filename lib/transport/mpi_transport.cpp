// SPDX-License-Identifier: MIT
// Part of taskhub.
// The transport between ranks: lanes on a node, MPI otherwise.
#include "transport/mpi_transport.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <string>

#include "transport/doorbell.hpp"
#include "transport/lane.hpp"
#include "taskhub/detail/runtime.hpp"
#include "transport/mpi_transport.hpp"
#include "core/mpi_check.hpp"

namespace taskhub::detail {

std::chrono::microseconds mpi_transport::longest_nap() const {
  // Peers on other nodes cannot ring our doorbell: nap briefly so their messages wait little.
  return std::chrono::microseconds(bells_.is_node_local() ? 50000 : 1000);
}

mpi_transport::mpi_transport(MPI_Comm comm, int tag, doorbells& bells, lanes* ls)
    : comm_(comm), tag_(tag), bells_(bells) {
  MPI_Comm_rank(comm, &rank_);
  int size = 0;
  MPI_Comm_size(comm, &size);
  links_.resize(static_cast<std::size_t>(size));
  if (!ls) return;
  for (int r : ls->peers()) {
    links_[static_cast<std::size_t>(r)].out = ls->to(r);
    links_[static_cast<std::size_t>(r)].in = ls->from(r);
    linked_.push_back(r);
  }
  is_lane_only_ = ls->is_complete();
}

mpi_transport::~mpi_transport() {
  for (auto& p : sending_) MPI_Request_free(&p.request);
}

void mpi_transport::start(pending& p, const char* data, std::size_t n, int tag) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw error("a batch of " + std::to_string(n) + " bytes exceeds MPI's 2 GiB message limit");
  {
    std::lock_guard<std::mutex> lock(mpi_m_);
    check_mpi(MPI_Isend(data, static_cast<int>(n), MPI_BYTE, p.dest, tag, comm_, &p.request),
              "MPI_Isend");
  }
  bells_.ring(p.dest);
}

void mpi_transport::send_mpi(int dest, int tag, outgoing m) {
  sending_.push_back({MPI_REQUEST_NULL, dest, std::move(m.data), std::move(m.owner)});
  auto& p = sending_.back();
  const bytes& payload = m.borrowed ? *m.borrowed : p.data;
  start(p, payload.data(), payload.size(), tag);
}

// Puts `m` in the lane to `dest`, or, when it is too large for a lane, a marker there and the
// message itself through MPI. False if that cannot happen now.
bool mpi_transport::put(int dest, link& l, outgoing& m) {
  const bytes& payload = m.payload();
  if (payload.size() <= l.out->largest()) {
    if (!l.out->write(lane::kind::message, payload.data(), payload.size())) return false;
    recycle_buffer(std::move(m.data));
    return true;
  }
  const std::uint64_t n = payload.size();
  if (!l.out->write(lane::kind::via_mpi, &n, sizeof n)) return false;
  send_mpi(dest, tag_ + 1, std::move(m));
  return true;
}

void mpi_transport::send_linked(int dest, link& l, outgoing m) {
  if (l.backlog.empty() && put(dest, l, m)) {
    bells_.ring(dest);
    return;
  }
  // A message may wait here for long; it keeps a copy, not a pointer into a task.
  if (m.borrowed) {
    m.data = take_buffer(m.borrowed->size());
    m.data.assign(m.borrowed->begin(), m.borrowed->end());
    m.borrowed = nullptr;
  }
  l.backlog.push_back(std::move(m));
}

void mpi_transport::forget(int peer) {
  auto& l = links_[static_cast<std::size_t>(peer)];
  l.is_gone = true;
  l.backlog.clear();
  linked_.erase(std::remove(linked_.begin(), linked_.end(), peer), linked_.end());
  next_lane_ = 0;
  for (auto it = sending_.begin(); it != sending_.end();) {
    if (it->dest != peer) {
      ++it;
      continue;
    }
    if (!abandoned_) abandoned_ = new std::deque<pending>();
    abandoned_->push_back(std::move(*it));
    it = sending_.erase(it);
  }
}

void mpi_transport::send(int dest, bytes msg) {
  if (dest == 0) dest = uplink_;
  count_sent(dest, msg.size());
  auto& l = links_[static_cast<std::size_t>(dest)];
  if (l.is_gone) return recycle_buffer(std::move(msg));
  if (l.out) return send_linked(dest, l, {std::move(msg), nullptr, nullptr});
  send_mpi(dest, tag_, {std::move(msg), nullptr, nullptr});
}

void mpi_transport::send_borrowed(int dest, const bytes& data, std::shared_ptr<const void> owner) {
  if (dest == 0) dest = uplink_;
  count_sent(dest, data.size());
  auto& l = links_[static_cast<std::size_t>(dest)];
  if (l.is_gone) return;
  if (l.out) return send_linked(dest, l, {bytes(), &data, std::move(owner)});
  send_mpi(dest, tag_, {bytes(), &data, std::move(owner)});
}

bool mpi_transport::has_message() {
  for (int r : linked_)
    if (!links_[static_cast<std::size_t>(r)].in->is_empty()) return true;
  // Nothing comes by MPI without a marker in a lane, unless another engine sends.
  if (is_lane_only_ && !is_listening_to_all_) return false;
  // Another thread in MPI is in a pass, which will see what came: no need to look.
  std::unique_lock<std::mutex> lock(mpi_m_, std::try_to_lock);
  if (!lock.owns_lock()) return true;
  int flag = 0;
  check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, tag_, comm_, &flag, MPI_STATUS_IGNORE), "MPI_Iprobe");
  return flag != 0;
}

void mpi_transport::idle(std::chrono::microseconds most) {
  bells_.sleep(most, [&] { return is_woken_.exchange(false) || has_message(); });
}

// A wake-up between the caller's last look and the doorbell being armed is kept in is_woken_.
void mpi_transport::wake() {
  // Already set: the sleeper will see it before it sleeps, and no ring is needed.
  if (is_woken_.load(std::memory_order_relaxed)) return;
  is_woken_.store(true);
  bells_.ring(rank_);
}

bool mpi_transport::poll_lanes(int& source, bytes& msg) {
  const std::size_t n = linked_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (next_lane_ + k) % n;
    const int r = linked_[i];
    lane& in = *links_[static_cast<std::size_t>(r)].in;
    lane::entry e;
    if (!in.peek(e)) continue;
    if (e.what == lane::kind::message) {
      msg = take_buffer(e.size);
      msg.resize(e.size);
      std::memcpy(msg.data(), e.data, e.size);
    } else {  // the message itself comes through MPI
      std::lock_guard<std::mutex> lock(mpi_m_);
      int flag = 0;
      MPI_Message handle;
      MPI_Status status;
      check_mpi(MPI_Improbe(r, tag_ + 1, comm_, &flag, &handle, &status), "MPI_Improbe");
      if (!flag) continue;
      int count = 0;
      check_mpi(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
      msg = take_buffer(static_cast<std::size_t>(count));
      msg.resize(static_cast<std::size_t>(count));
      check_mpi(MPI_Mrecv(msg.data(), count, MPI_BYTE, &handle, MPI_STATUS_IGNORE), "MPI_Mrecv");
    }
    in.pop();
    source = r;
    next_lane_ = i + 1;
    return true;
  }
  return false;
}

bool mpi_transport::poll(int& source, bytes& msg) {
  if (!poll_lanes(source, msg) && !poll_mpi(source, msg)) return false;
  count_received(source, msg.size());
  return true;
}

bool mpi_transport::poll_mpi(int& source, bytes& msg) {
  if (is_lane_only_ && !is_listening_to_all_) return false;
  std::lock_guard<std::mutex> lock(mpi_m_);
  int flag = 0;
  MPI_Message handle;
  MPI_Status status;
  check_mpi(MPI_Improbe(MPI_ANY_SOURCE, tag_, comm_, &flag, &handle, &status), "MPI_Improbe");
  if (!flag) return false;
  int count = 0;
  check_mpi(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  if (msg.capacity() < static_cast<std::size_t>(count)) msg = take_buffer(static_cast<std::size_t>(count));
  msg.resize(static_cast<std::size_t>(count));
  check_mpi(MPI_Mrecv(msg.data(), count, MPI_BYTE, &handle, MPI_STATUS_IGNORE), "MPI_Mrecv");
  source = status.MPI_SOURCE;
  return true;
}

bool mpi_transport::progress() {
  bool is_waiting = false;
  for (int r : linked_) {
    auto& l = links_[static_cast<std::size_t>(r)];
    bool did = false;
    while (!l.backlog.empty() && put(r, l, l.backlog.front())) {
      l.backlog.pop_front();
      did = true;
    }
    if (did) bells_.ring(r);
    is_waiting = is_waiting || !l.backlog.empty();
  }
  while (!sending_.empty()) {
    int done = 0;
    {
      std::lock_guard<std::mutex> lock(mpi_m_);
      check_mpi(MPI_Test(&sending_.front().request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    }
    if (!done) break;
    bells_.ring(sending_.front().dest);  // in case the data left after the ring in start()
    recycle_buffer(std::move(sending_.front().data));
    sending_.pop_front();
  }
  return is_waiting || !sending_.empty();
}

}  // namespace taskhub::detail
