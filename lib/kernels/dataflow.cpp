// SPDX-License-Identifier: MIT
// Part of taskhub.
// The dataflow kernel's placement and streaming loop, compiled once.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "core/backoff.hpp"
#include "core/mpi_check.hpp"
#include "kernels/checkpoint.hpp"
#include "taskhub/engine.hpp"
#include "taskhub/error.hpp"
#include "taskhub/kernels/dataflow.hpp"

namespace taskhub::kernels::detail {

using taskhub::detail::check_mpi;
namespace {

constexpr int flow_tag = 4343;
enum : std::int32_t { items_kind = 1, marker_kind = 2, end_kind = 3, credit_kind = 4 };

struct header {
  std::int32_t kind = 0, pad = 0;
  std::int64_t seq = 0;
};

struct message {
  header h;
  bytes body;
};

std::string collected_name(int stage) { return "taskhub.dataflow.stage." + std::to_string(stage); }

// ---- the streaming loop ----

// Where one worker sits: its level, its neighbours' places, and how it moves messages.
class worker {
 public:
  worker(std::vector<std::unique_ptr<stage_base>>& stages, const segment_plan& plan,
         const dataflow_options& o, int segment, MPI_Comm comm, int place, int engines,
         const std::optional<checkpoint>& restored)
      : stages_(stages),
        plan_(plan),
        o_(o),
        segment_(segment),
        comm_(comm),
        restored_(restored) {
    for (std::size_t l = 0; l < plan.levels.size(); ++l) {
      const auto& lv = plan.levels[l];
      for (int r = 0; r < lv.replicas; ++r)
        if ((lv.first_place + r) % engines == place) {
          level_ = static_cast<int>(l);
          replica_ = r;
        }
    }
    if (level_ < 0) return;
    const auto& me = plan.levels[static_cast<std::size_t>(level_)];
    first_ = me.first_stage;
    last_ = me.last_stage;
    replicas_ = me.replicas;
    is_source_ = level_ == 0;
    is_last_ = level_ + 1 == static_cast<int>(plan.levels.size());
    if (!is_source_) {
      const auto& up = plan.levels[static_cast<std::size_t>(level_ - 1)];
      for (int r = 0; r < up.replicas; ++r) upstream_.push_back((up.first_place + r) % engines);
    }
    if (!is_last_) {
      const auto& down = plan.levels[static_cast<std::size_t>(level_ + 1)];
      for (int r = 0; r < down.replicas; ++r) {
        downstream_.push_back((down.first_place + r) % engines);
        credit_[downstream_.back()] = std::max(1, o.window);
      }
    }
    links_.resize(upstream_.size());
  }

  bool has_work() const { return level_ >= 0; }

  worker_result run() {
    worker_result r;
    r.is_last = is_last_;
    long start = 0;
    if (restored_) {
      const auto& c = *restored_;
      start = c.next_item;
      for (int s = first_; s <= last_; ++s) {
        if (!stages_[static_cast<std::size_t>(s)]->is_stateful()) continue;
        const auto it = c.stage_states.find(s);
        if (it == c.stage_states.end())
          throw error("dataflow checkpoint " + o_.checkpoint_path + " has no state for stage " +
                      std::to_string(s) + ": it belongs to another pipeline");
        reader in(it->second.data(), it->second.size());
        stages_[static_cast<std::size_t>(s)]->load(in);
      }
      if (is_last_) {
        outputs_.assign(c.outputs.begin(), c.outputs.end());
        batches_ = c.batches;
      }
    }
    next_seq_ = start;
    r.first_item = start;
    if (is_source_) {
      produce(start);
    } else {
      consume();
    }
    finish();
    r.outputs.assign(outputs_.begin(), outputs_.end());
    r.batches = batches_;
    r.peak_held = peak_held_;
    r.checkpoints = checkpoints_;
    return r;
  }

 private:
  // The source level: items start.. of this replica, with markers after each checkpoint.
  void produce(long start) {
    const auto& first = *stages_[static_cast<std::size_t>(first_)];
    std::any emitted;
    long items = o_.items;
    if (plan_.starts_with_emit) {
      auto& e = taskhub::detail::store_lookup(collected_name(first_));
      reader in(e.data, e.size);
      stages_[static_cast<std::size_t>(first_)]->load(in);
      e.hold(bytes());  // the collected stream lives on in the stage only
      e.cache.reset();
      emitted = stages_[static_cast<std::size_t>(first_)]->emit();
      items = static_cast<long>(first.count(emitted));
      start = 0;
    }
    const long every = segment_ == 0 ? o_.checkpoint_every : 0;
    long next_marker = every > 0 ? (start / every + 1) * every - 1 : -1;
    auto send_markers_before = [&](long i) {
      while (next_marker >= 0 && next_marker < i && next_marker < items) {
        marker_out(next_marker, own_states());
        next_marker += every;
      }
    };
    long i = start;
    while (i % replicas_ != replica_) ++i;
    for (; i < items; i += replicas_) {
      send_markers_before(i);
      std::any batch = plan_.starts_with_emit ? first.slice(emitted, static_cast<std::size_t>(i))
                                              : stages_[static_cast<std::size_t>(first_)]->generate(i);
      deliver(i, through(std::move(batch), first_ + 1));
    }
    send_markers_before(items);
  }

  // A level fed by another: messages in item order (or as they come), until every sender ended.
  void consume() {
    const bool in_order = o_.is_ordered && replicas_ == 1;
    std::size_t turn = 0;
    for (;;) {
      receive_all();
      bool did = false;
      // A checkpoint: every sender's next message is its marker.
      bool all_markers = !links_.empty();
      for (const auto& q : links_) all_markers = all_markers && !q.empty() && q.front().h.kind == marker_kind;
      if (all_markers) {
        const long k = links_.front().front().h.seq;
        states merged;
        for (auto& q : links_) {
          reader in(q.front().body.data(), q.front().body.size());
          for (auto& [stage, data] : taskhub::detail::decode<states>(in)) merged[stage] = std::move(data);
          q.pop_front();
        }
        for (auto& [stage, data] : own_states()) merged[stage] = std::move(data);
        marker_out(k, merged);
        did = true;
      }
      bool all_ended = true;
      for (const auto& q : links_) all_ended = all_ended && !q.empty() && q.front().h.kind == end_kind;
      if (all_ended) return;
      // The next items.
      for (std::size_t n = 0; n < links_.size() && !did; ++n) {
        const std::size_t l = in_order ? n : (turn + n) % links_.size();
        auto& q = links_[l];
        if (q.empty() || q.front().h.kind != items_kind) continue;
        if (in_order && q.front().h.seq != next_seq_) continue;
        message m = std::move(q.front());
        q.pop_front();
        send(upstream_[l], credit_kind, 0, nullptr, 0);
        reader in(m.body.data(), m.body.size());
        std::any batch = stages_[static_cast<std::size_t>(first_)]->decode_inputs(in);
        deliver(m.h.seq, through(std::move(batch), first_));
        if (in_order) ++next_seq_;
        turn = l + 1;
        did = true;
      }
      if (did) {
        wait_.busy();
      } else {
        pause();
      }
    }
  }

  // Runs stages from `from` to this level's last on a batch (a whole-stream last stage collects).
  std::any through(std::any batch, int from) {
    for (int s = from; s <= last_; ++s) {
      auto& st = *stages_[static_cast<std::size_t>(s)];
      if (s == last_ && is_last_ && plan_.ends_with_collect) {
        st.collect(std::move(batch));
        return {};
      }
      batch = st.run(std::move(batch));
    }
    return batch;
  }

  void deliver(long seq, std::any outputs) {
    if (!outputs.has_value()) return;  // collected
    const auto& last = *stages_[static_cast<std::size_t>(last_)];
    if (is_last_) {
      last.encode_outputs(outputs, outputs_);
      ++batches_;
      return;
    }
    bytes body;
    last.encode_outputs(outputs, body);
    // Pull: the receiver with the most credit takes it; with none, wait for credit.
    for (;;) {
      int best = -1;
      for (int d : downstream_)
        if (credit_[d] > 0 && (best < 0 || credit_[d] > credit_[best])) best = d;
      if (best >= 0) {
        --credit_[best];
        ++unanswered_[best];
        send(best, items_kind, seq, body.data(), body.size());
        wait_.busy();
        return;
      }
      receive_all();
      pause();
    }
  }

  // This level's stateful stages, encoded.
  states own_states() const {
    states s;
    for (int i = first_; i <= last_; ++i) {
      const auto& st = *stages_[static_cast<std::size_t>(i)];
      if (!st.is_stateful()) continue;
      bytes b;
      st.save(b);
      s[i] = std::string(b.data(), b.size());
    }
    return s;
  }

  void marker_out(long k, const states& s) {
    if (is_last_) {
      checkpoint c;
      c.next_item = k + 1;
      c.batches = batches_;
      c.stage_states = s;
      c.outputs.assign(outputs_.begin(), outputs_.end());
      write_checkpoint(o_.checkpoint_path, c);
      ++checkpoints_;
      return;
    }
    bytes body;
    taskhub::detail::encode(body, s);
    for (int d : downstream_) send(d, marker_kind, k, body.data(), body.size());
  }

  // Ends the stream downstream, waits until every item sent was taken (so no credit is left in
  // flight for a later run), and hands a collecting stage's state to the next segment.
  void finish() {
    for (int d : downstream_) send(d, end_kind, 0, nullptr, 0);
    for (;;) {
      bool is_settled = true;
      for (const auto& [d, n] : unanswered_) is_settled = is_settled && n == 0;
      if (is_settled) break;
      receive_all();
      pause();
    }
    for (auto& [request, buffer] : sending_)
      check_mpi(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
    sending_.clear();
    if (is_last_ && plan_.ends_with_collect) {
      bytes collected;
      stages_[static_cast<std::size_t>(last_)]->save(collected);
      taskhub::detail::store_assign(collected_name(last_)).hold(std::move(collected));
    }
  }

  void send(int to, std::int32_t kind, long seq, const char* data, std::size_t n) {
    if (comm_ == MPI_COMM_NULL) return;
    bytes out(sizeof(header) + n);
    header h;
    h.kind = kind;
    h.seq = seq;
    std::memcpy(out.data(), &h, sizeof h);
    if (n) std::memcpy(out.data() + sizeof h, data, n);
    // Not blocking: a large message waits for its receiver to take it while this stage goes on
    // (credits bound how many).
    sending_.emplace_back(MPI_REQUEST_NULL, std::move(out));
    auto& [request, buffer] = sending_.back();
    check_mpi(MPI_Isend(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, to, flow_tag, comm_, &request),
          "MPI_Isend");
  }

  // Drops the buffers of sends that completed.
  void reap_sends() {
    for (auto it = sending_.begin(); it != sending_.end();) {
      int done = 0;
      check_mpi(MPI_Test(&it->first, &done, MPI_STATUS_IGNORE), "MPI_Test");
      it = done ? sending_.erase(it) : std::next(it);
    }
  }

  // Takes every message that has arrived: credits count up, the rest queue by sender.
  void receive_all() {
    if (comm_ == MPI_COMM_NULL) return;
    reap_sends();
    for (;;) {
      int flag = 0;
      MPI_Status st;
      check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, flow_tag, comm_, &flag, &st), "MPI_Iprobe");
      if (!flag) return;
      int size = 0;
      MPI_Get_count(&st, MPI_BYTE, &size);
      bytes in(static_cast<std::size_t>(size));
      check_mpi(MPI_Recv(in.data(), size, MPI_BYTE, st.MPI_SOURCE, flow_tag, comm_, MPI_STATUS_IGNORE),
            "MPI_Recv");
      message m;
      std::memcpy(&m.h, in.data(), sizeof m.h);
      if (m.h.kind == credit_kind) {
        ++credit_[st.MPI_SOURCE];
        --unanswered_[st.MPI_SOURCE];
        continue;
      }
      m.body.assign(in.begin() + sizeof(header), in.end());
      const auto at = std::find(upstream_.begin(), upstream_.end(), st.MPI_SOURCE) - upstream_.begin();
      if (at >= static_cast<std::ptrdiff_t>(links_.size()))
        throw error("dataflow: a message from engine place " + std::to_string(st.MPI_SOURCE) +
                    ", which does not feed this stage");
      links_[static_cast<std::size_t>(at)].push_back(std::move(m));
      wait_.busy();
      long held = 0;
      for (const auto& q : links_) held += static_cast<long>(q.size());
      peak_held_ = std::max(peak_held_, held);
    }
  }

  // Waiting costs little CPU: yields, then naps up to a millisecond.
  void pause() { wait_.idle(); }

  std::vector<std::unique_ptr<stage_base>>& stages_;
  const segment_plan& plan_;
  const dataflow_options& o_;
  const int segment_;
  MPI_Comm comm_;
  const std::optional<checkpoint>& restored_;
  int level_ = -1, replica_ = 0, first_ = 0, last_ = 0, replicas_ = 1;
  bool is_source_ = false, is_last_ = false;
  std::vector<int> upstream_, downstream_;
  std::map<int, int> credit_, unanswered_;
  std::vector<std::deque<message>> links_;
  std::list<std::pair<MPI_Request, bytes>> sending_;
  long next_seq_ = 0, batches_ = 0, peak_held_ = 0;
  taskhub::detail::backoff wait_;
  int checkpoints_ = 0;
  bytes outputs_;
};

}  // namespace

worker_result run_worker(std::vector<std::unique_ptr<stage_base>>& stages, const segment_plan& plan,
                         const dataflow_options& o, int segment, int first_engine) {
  MPI_Comm comm = MPI_COMM_NULL;
  int place = 0, engines = 1;
  segment_plan alone;
  const segment_plan* p = &plan;
  try {
    comm = taskhub::engine::comm();
    MPI_Comm_rank(comm, &place);
    MPI_Comm_size(comm, &engines);
  } catch (const taskhub::error&) {
    // Engines are threads of one process: one of them runs every stage of the segment.
    if (taskhub::engine::rank() != first_engine) return {};
    level all;
    all.first_stage = plan.levels.front().first_stage;
    all.last_stage = plan.levels.back().last_stage;
    alone.levels = {all};
    alone.starts_with_emit = plan.starts_with_emit;
    alone.ends_with_collect = plan.ends_with_collect;
    p = &alone;
  }
  // Every engine reads the checkpoint, and all must have found the same one: a path only some
  // engines see would start stages at different items.
  std::optional<checkpoint> restored;
  if (o.restore && segment == 0 && !o.checkpoint_path.empty()) {
    std::string problem;
    try {
      restored = read_checkpoint(o.checkpoint_path, static_cast<int>(stages.size()));
    } catch (const error& e) {
      problem = e.what();  // said after the others know, so none waits for this engine
    }
    const long found = !problem.empty() ? -2 : restored ? restored->next_item : -1;
    long lowest = found, highest = found;
    if (comm != MPI_COMM_NULL) {
      check_mpi(MPI_Allreduce(&found, &highest, 1, MPI_LONG, MPI_MAX, comm), "MPI_Allreduce");
      check_mpi(MPI_Allreduce(&found, &lowest, 1, MPI_LONG, MPI_MIN, comm), "MPI_Allreduce");
    }
    if (!problem.empty()) throw error(problem);
    if (lowest != highest)
      throw error("dataflow checkpoint " + o.checkpoint_path + ": the engines do not all see the "
                  "same checkpoint (put it on a file system every engine shares)");
  }
  worker w(stages, *p, o, segment, comm, place, engines, restored);
  if (!w.has_work()) return {};
  return w.run();
}

}  // namespace taskhub::kernels::detail
