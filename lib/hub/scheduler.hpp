// SPDX-License-Identifier: MIT
// Part of taskhub.
// The scheduler: ready queues by priority, the engines' slots, the scheme and the high-water
// mark. It knows tasks and engines only, so a sub-hub can schedule with it too.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "taskhub/detail/runtime.hpp"
#include "taskhub/scheme.hpp"

namespace taskhub::detail {

/// A task sent to an engine and not answered yet, by id (the table may purge it meanwhile).
struct sent_task {
  std::uint64_t id;
  std::uint32_t attempt;
};

/// An abort that waits for engines to answer its recalls; `done` gets how many it aborted.
struct recall_wait {
  // Taken back for an idle engine: what the engine drops goes back to the queue, not aborted.
  bool is_steal = false;
  std::size_t aborted = 0;
  int answers_due = 0;
  std::promise<std::size_t> done;
};

/// A recall sent to one engine and not answered yet.
struct pending_recall {
  std::vector<sent_task> tasks;
  std::shared_ptr<recall_wait> wait;
};

/// What the hub knows of one engine.
struct engine_slot {
  int rank;
  int group = -1;  // the index of the group refilled together (behind one sub-hub); -1: none
  int node = -1;   // an index of its host (-1: unknown)
  std::vector<std::string> tags;
  int outstanding = 0;
  int blocked = 0;  // tasks waiting inside for tasks they submitted: not counted for hwm
  std::uint64_t last_used = 0;
  std::vector<task_data*> batch;       // assigned, not yet sent
  std::deque<sent_task> sent;          // sent, not answered, in the order the engine takes them
  std::deque<pending_recall> recalls;  // in the order sent; the engine answers in that order
  bool is_stopped = false;
  bool is_retired = false;   // a task crashed it, or it died: it runs nothing more
  bool is_gone = false;      // its process ended
  int done = 0, failed = 0;  // tasks that finished there since the run began
  /// Tasks it holds or will be sent, against the high-water mark.
  int load() const { return outstanding - blocked + static_cast<int>(batch.size()); }
};

/// How engines behind one sub-hub get work: `push` fills each engine whenever it has room under
/// the high-water mark; `pull` refills a group only once half its room is free or one of its
/// engines has nothing left, and then fills all of them, so a message to the sub-hub carries a
/// group's worth of tasks.
enum class refill { push, pull };

class scheduler {
 public:
  struct config {
    std::vector<std::vector<std::string>> tags;  // per engine, in engine order
    std::vector<int>
        groups;    // per engine: a key shared by the engines refilled together; -1: alone
    int hwm = 16;  // 0: no limit
    std::shared_ptr<taskhub::scheme> scheme;
    refill policy = refill::pull;
    bool is_local_first = true;      // prefer the engine, then the node, that keeps the inputs
    std::vector<std::string> hosts;  // per engine, in engine order (its node)
  };
  scheduler(const std::vector<int>& engines, config cfg);

  std::vector<engine_slot>& slots() { return slots_; }
  const std::vector<engine_slot>& slots() const { return slots_; }
  /// The slot of the engine of `rank`, or null.
  engine_slot* slot_of(int rank);
  int retired() const { return retired_; }

  /// Whether some engine that is not retired may run `t`.
  bool can_run(const task_data& t) const;
  /// Why no engine may run `t` ("" when one may).
  std::string why_not(const task_data& t) const;
  /// Queues a task that may run now; returns why no engine can run it ("" when queued).
  std::string enqueue(task_data& t);
  /// Assigns ready tasks to engines with room, in priority order; returns whether it did.
  bool schedule();
  /// The tasks the last schedule() assigned, in order.
  const std::vector<task_data*>& assigned() const { return assigned_; }
  /// A crash retired the engine: it gets nothing more.
  void retire(engine_slot& slot);
  /// The load of `slot` changed outside schedule() (an answer, a drop, a wait inside, a direct
  /// task): its group is looked at again in the next pass.
  void touched(const engine_slot& slot);
  /// Whether tasks wait in the ready queues.
  bool has_ready() const { return !ready_.empty(); }
  /// Whether engine `s` may run `t` (tags, targets, follow, failures).
  bool may_run_on(const task_data& t, const engine_slot& s) const {
    return runs_anywhere(t) || is_eligible(t, s);
  }
  /// Forgets every queued task.
  void clear() {
    for (auto& [priority, q] : ready_)
      for (auto* t : q) t->hub.is_in_ready_queue = false;
    ready_.clear();
  }

 private:
  bool is_eligible(const task_data& t, const engine_slot& s) const;
  bool runs_anywhere(const task_data& t) const;
  bool has_room() const;
  bool is_open(const engine_slot& s) const {
    return s.group < 0 || is_open_[static_cast<std::size_t>(s.group)];
  }
  void open_groups();
  void assign(task_data& t, engine_slot& s);
  bool takes_plain(const engine_slot& s) const {
    return hwm_ <= 0 || (s.load() < hwm_ && is_open(s));
  }
  std::size_t choose(const std::vector<engine_load>& candidates);
  /// Engines behind one sub-hub, for placing a plain task in two steps: the scheme picks among
  /// each group's own pick, so the root looks at groups and one group's engines, not at all.
  struct placing_group {
    std::vector<std::size_t> members;  // slots, in engine order
    std::size_t pick = 0;              // the scheme's pick among the members that take a task
    bool has_pick = false;
    bool is_stale = true;    // `pick` must be chosen again: a member's load changed
    bool is_changed = true;  // in changed_: whether it is open is decided again next pass
  };
  void open_groups_changed();
  void pick_in(placing_group& g);
  engine_slot* place_in_two_steps();
  void narrow_to_holders(const task_data& t);

  std::vector<engine_slot> slots_;
  std::vector<int> slot_of_rank_;
  const int hwm_;
  std::shared_ptr<taskhub::scheme> scheme_;
  std::vector<bool> is_open_;                 // by group: it takes tasks in this schedule()
  std::vector<int> group_load_, group_room_;  // by group, for open_groups()
  std::vector<placing_group> placing_;        // empty: one group or none, placed in one step
  std::vector<placing_group*> picked_from_;   // per candidate of the first step: its group
  std::vector<engine_load> members_;          // a group's candidates, for its own pick
  std::vector<std::size_t> changed_;          // placing groups touched since the last pass
  std::vector<int> placing_of_;               // by slot: its placing group
  std::map<int, std::deque<task_data*>, std::greater<int>> ready_;  // by priority, then age
  std::vector<engine_load> candidates_;
  std::vector<task_data*> assigned_;
  std::uint64_t tick_ = 0;
  std::uint64_t last_group_ = 0;  // the map chunk last placed, and where: its other tasks follow
  int last_group_rank_ = -1;
  int retired_ = 0;
  const bool is_local_first_;
  bool is_scheme_fault_reported_ = false;
};

}  // namespace taskhub::detail
