// SPDX-License-Identifier: MIT
// Part of taskhub.
// The scheduler.
#include "hub/scheduler.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/voice.hpp"
#include "hub/id_lists.hpp"
#include "taskhub/task_options.hpp"

namespace taskhub::detail {
namespace {

// Removes the i-th task of a ready queue (almost always the first).
void take(std::deque<task_data*>& q, std::size_t i) {
  q[i]->hub.is_in_ready_queue = false;
  if (i == 0) {
    q.pop_front();
  } else {
    q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace

scheduler::scheduler(const std::vector<int>& engines, config cfg)
    : hwm_(cfg.hwm),
      scheme_(cfg.scheme ? std::move(cfg.scheme) : make_scheme("leastload")),
      is_local_first_(cfg.is_local_first) {
  std::vector<std::string> hosts;  // in order of first appearance
  int top = 0;
  for (int r : engines) top = std::max(top, r);
  slot_of_rank_.assign(static_cast<std::size_t>(top) + 1, -1);
  std::vector<int> keys;  // group keys, in order of first appearance
  for (std::size_t i = 0; i < engines.size(); ++i) {
    engine_slot s;
    s.rank = engines[i];
    if (i < cfg.tags.size()) s.tags = std::move(cfg.tags[i]);
    if (i < cfg.hosts.size()) {
      auto at = std::find(hosts.begin(), hosts.end(), cfg.hosts[i]);
      s.node = static_cast<int>(at - hosts.begin());
      if (at == hosts.end()) hosts.push_back(cfg.hosts[i]);
    }
    const int key = i < cfg.groups.size() ? cfg.groups[i] : -1;
    if (key >= 0) {
      auto at = std::find(keys.begin(), keys.end(), key);
      const auto g = static_cast<std::size_t>(at - keys.begin());
      if (at == keys.end()) {
        keys.push_back(key);
        placing_.emplace_back();
      }
      placing_[g].members.push_back(i);
      if (cfg.policy == refill::pull && hwm_ > 0) s.group = static_cast<int>(g);
    }
    slots_.push_back(std::move(s));
    slot_of_rank_[static_cast<std::size_t>(engines[i])] = static_cast<int>(i);
  }
  if (cfg.policy == refill::pull && hwm_ > 0) is_open_.assign(keys.size(), true);
  // Two steps pay only with several groups, and every engine must be in one.
  if (placing_.size() < 2 || std::count(cfg.groups.begin(), cfg.groups.end(), -1) > 0 ||
      cfg.groups.size() < engines.size())
    placing_.clear();
  placing_of_.assign(slots_.size(), -1);
  for (std::size_t g = 0; g < placing_.size(); ++g) {
    for (std::size_t i : placing_[g].members) placing_of_[i] = static_cast<int>(g);
    changed_.push_back(g);
  }
}

void scheduler::touched(const engine_slot& slot) {
  if (placing_.empty()) return;
  const int g = placing_of_[static_cast<std::size_t>(&slot - slots_.data())];
  auto& group = placing_[static_cast<std::size_t>(g)];
  group.is_stale = true;
  if (!group.is_changed) {
    group.is_changed = true;
    changed_.push_back(static_cast<std::size_t>(g));
  }
}

engine_slot* scheduler::slot_of(int rank) {
  if (rank < 0 || rank >= static_cast<int>(slot_of_rank_.size())) return nullptr;
  const int i = slot_of_rank_[static_cast<std::size_t>(rank)];
  return i < 0 ? nullptr : &slots_[static_cast<std::size_t>(i)];
}

bool scheduler::is_eligible(const task_data& t, const engine_slot& s) const {
  if (s.is_retired) return false;
  if (t.hub.follow_engine >= 0 && s.rank != t.hub.follow_engine) return false;
  if (!t.hub.allowed.empty() && !contains(t.hub.allowed, s.rank)) return false;
  if (t.options && !t.options->targets().empty() && !contains(t.options->targets(), s.rank))
    return false;
  if (contains(t.hub.excluded, s.rank)) return false;
  if (contains(t.hub.tried, s.rank) && !(t.options && t.options->retries_anywhere())) return false;
  if (t.options)
    for (const auto& tag : t.options->tags())
      if (std::find(s.tags.begin(), s.tags.end(), tag) == s.tags.end()) return false;
  return true;
}

// Whether every engine may run `t` (nothing in is_eligible restricts it), so the per-engine
// checks can be skipped.
bool scheduler::runs_anywhere(const task_data& t) const {
  return (!t.options || (t.options->tags().empty() && t.options->targets().empty())) &&
         t.hub.excluded.empty() && t.hub.tried.empty() && t.hub.follow_engine < 0 &&
         t.hub.allowed.empty() && retired_ == 0;
}

bool scheduler::can_run(const task_data& t) const {
  if (runs_anywhere(t)) return true;
  for (const auto& s : slots_)
    if (is_eligible(t, s)) return true;
  return false;
}

std::string scheduler::why_not(const task_data& t) const {
  if (can_run(t)) return "";
  std::string why = "no engine can run task " + std::to_string(t.id);
  const char* sep = ": ";
  auto add = [&](const std::string& part) {
    why += sep + part;
    sep = "; ";
  };
  if (t.options && !t.options->tags().empty()) {
    std::string tags = "it requires tags";
    for (const auto& tag : t.options->tags()) tags += " '" + tag + "'";
    add(tags);
  }
  if (t.options && !t.options->targets().empty())
    add("it may run only on engines " + list_ranks(t.options->targets()));
  if (t.hub.follow_engine >= 0)
    add("it follows tasks that ran on engine " + std::to_string(t.hub.follow_engine));
  if (!t.hub.allowed.empty())
    add("it follows tasks that ran on engines " + list_ranks(t.hub.allowed));
  if (!t.hub.excluded.empty())
    add("engines " + list_ranks(t.hub.excluded) + " reported an unmet dependency");
  if (!t.hub.tried.empty()) add("it failed on engines " + list_ranks(t.hub.tried));
  if (retired_ > 0)
    why += " (" + std::to_string(retired_) + " engine(s) retired after crashes or died)";
  return why;
}

std::string scheduler::enqueue(task_data& t) {
  if (!runs_anywhere(t))
    if (std::string why = why_not(t); !why.empty()) return why;
  t.hub.state = taskhub::task_state::ready;
  auto& q = ready_[t.options ? t.options->priority() : 0];
  t.hub.is_in_ready_queue = true;
  if (t.hub.origin != 0) {
    q.push_front(&t);  // a task waits for it: depth first
  } else {
    q.push_back(&t);
  }
  return "";
}

void scheduler::assign(task_data& t, engine_slot& s) {
  touched(s);
  s.last_used = ++tick_;
  t.hub.state = taskhub::task_state::queued;
  t.engine = s.rank;
  s.batch.push_back(&t);
  assigned_.push_back(&t);
}

// Whether some engine takes more tasks, under the high-water mark.
bool scheduler::has_room() const {
  for (const auto& s : slots_)
    if (!s.is_retired && is_open(s) && (hwm_ <= 0 || s.load() < hwm_)) return true;
  return false;
}

// A group pulls work once half its room under the high-water mark is free, or one of its
// engines has nothing left: it is then filled whole, in one message to its sub-hub.
void scheduler::open_groups() {
  if (is_open_.empty()) return;
  if (!placing_.empty()) return open_groups_changed();
  group_load_.assign(is_open_.size(), 0);
  group_room_.assign(is_open_.size(), 0);
  std::fill(is_open_.begin(), is_open_.end(), false);
  for (const auto& s : slots_) {
    if (s.group < 0 || s.is_retired) continue;
    const auto g = static_cast<std::size_t>(s.group);
    group_load_[g] += s.load();
    group_room_[g] += hwm_;
    if (s.load() == 0) is_open_[g] = true;
  }
  for (std::size_t g = 0; g < is_open_.size(); ++g)
    if (group_load_[g] * 2 <= group_room_[g]) is_open_[g] = true;
}

std::size_t scheduler::choose(const std::vector<engine_load>& candidates) {
  try {
    return std::min(scheme_->choose(candidates), candidates.size() - 1);
  } catch (const std::exception& e) {  // a custom scheme's fault must not stop the hub
    if (!is_scheme_fault_reported_)
      say_info("the scheduling scheme failed (%s); using the first engine\n", e.what());
    is_scheme_fault_reported_ = true;
    return 0;
  }
}

void scheduler::pick_in(placing_group& g) {
  g.is_stale = false;
  members_.clear();
  for (std::size_t i : g.members)
    if (takes_plain(slots_[i]))
      members_.push_back({slots_[i].rank, slots_[i].load(), slots_[i].last_used});
  g.has_pick = !members_.empty();
  if (g.has_pick)
    g.pick = static_cast<std::size_t>(
        slot_of_rank_[static_cast<std::size_t>(members_[choose(members_)].rank)]);
}

// A plain task's engine in two steps: the scheme's pick among the groups' picks (for leastload,
// warm and lru the same engine as one step among all; for the random schemes a group first, then
// an engine in it). Only the group that got the last task is looked at again. Null: every
// engine is full.
engine_slot* scheduler::place_in_two_steps() {
  candidates_.clear();
  picked_from_.clear();
  for (auto& g : placing_) {
    if (g.is_stale) pick_in(g);
    if (!g.has_pick) continue;
    const engine_slot& s = slots_[g.pick];
    candidates_.push_back({s.rank, s.load(), s.last_used});
    picked_from_.push_back(&g);
  }
  if (candidates_.empty()) return nullptr;
  placing_group& g = *picked_from_[choose(candidates_)];
  g.is_stale = true;
  return &slots_[g.pick];
}

// open_groups() for the groups touched since the last pass only: with placing groups, the
// groups refilled together are the same groups, and the others' loads have not changed.
void scheduler::open_groups_changed() {
  for (std::size_t g : changed_) {
    auto& group = placing_[g];
    group.is_changed = false;
    int load = 0, room = 0;
    bool has_empty = false;
    for (std::size_t i : group.members) {
      const auto& s = slots_[i];
      if (s.is_retired) continue;
      load += s.load();
      room += hwm_;
      has_empty = has_empty || s.load() == 0;
    }
    is_open_[g] = has_empty || load * 2 <= room;
  }
  changed_.clear();
}

bool scheduler::schedule() {
  assigned_.clear();
  open_groups();
  for (auto it = ready_.begin(); it != ready_.end();) {
    auto& q = it->second;
    std::size_t i = 0;
    while (i < q.size()) {
      task_data* t = q[i];
      if (t->hub.state != taskhub::task_state::ready) {
        take(q, i);  // aborted or timed out meanwhile
        continue;
      }
      const bool is_plain = runs_anywhere(*t);
      const bool is_near_inputs = is_local_first_ && !t->hub.input_parents.empty();
      if (t->group != 0 && t->group == last_group_ &&
          !is_near_inputs) {  // the rest of a map chunk: with its first
        engine_slot* s = slot_of(last_group_rank_);
        if (s && (is_plain || is_eligible(*t, *s))) {
          assign(*t, *s);
          take(q, i);
          continue;
        }
      }
      // A task that a task submitted goes out whatever the high-water mark: a task waits for it,
      // and that engine keeps serving meanwhile.
      const bool is_awaited_inside = t->hub.origin != 0;
      if (is_plain && !is_awaited_inside && !is_near_inputs && !placing_.empty()) {
        engine_slot* s = place_in_two_steps();
        if (!s) return !assigned_.empty();  // every engine is full
        assign(*t, *s);
        last_group_ = t->group;
        last_group_rank_ = t->engine;
        take(q, i);
        continue;
      }
      candidates_.clear();
      for (const auto& s : slots_) {
        if (!is_awaited_inside && !takes_plain(s)) continue;
        if (!is_plain && !is_eligible(*t, s)) continue;
        candidates_.push_back({s.rank, s.load(), s.last_used});
      }
      if (candidates_.empty()) {
        if (is_plain) return !assigned_.empty();  // every engine is full
        if (!has_room()) break;  // the same: only tasks that tasks wait for (at the front) go now
        ++i;                     // its engines are full; others may take later tasks
        continue;
      }
      if (!t->hub.tried.empty()) {  // retries_anywhere(): prefer engines it has not failed on
        std::vector<engine_load> fresh;
        for (const auto& c : candidates_)
          if (!contains(t->hub.tried, c.rank)) fresh.push_back(c);
        if (!fresh.empty()) candidates_.swap(fresh);
      }
      if (is_near_inputs) narrow_to_holders(*t);
      assign(*t, *slot_of(candidates_[choose(candidates_)].rank));
      last_group_ = t->group;
      last_group_rank_ = t->engine;
      take(q, i);
    }
    it = q.empty() ? ready_.erase(it) : std::next(it);
  }
  return !assigned_.empty();
}

// Locality: narrows the candidates to those that keep the most bytes of `t`'s inputs, else to
// those whose node keeps the most, leaving out any loaded more than a margin above the least
// loaded candidate; the scheme then chooses among them. Unchanged when none keeps any.
void scheduler::narrow_to_holders(const task_data& t) {
  constexpr int margin = 2;  // tasks more than the least loaded that still go to a holder
  int least = candidates_.front().outstanding;
  for (const auto& c : candidates_) least = std::min(least, c.outstanding);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> near(candidates_.size());  // here, node
  std::pair<std::uint64_t, std::uint64_t> best{0, 0};
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    const auto& c = candidates_[i];
    if (c.outstanding > least + margin) continue;
    const engine_slot* s = slot_of(c.rank);
    for (const auto& p : t.hub.input_parents) {
      if (p->kept_on < 0) continue;
      const std::uint64_t size = p->kept_size + 1;  // an empty result still counts
      if (p->kept_on == c.rank) near[i].first += size;
      const engine_slot* holder = slot_of(p->kept_on);
      if (holder && s && s->node >= 0 && holder->node == s->node) near[i].second += size;
    }
    best = std::max(best, near[i]);
  }
  if (best.first + best.second == 0) return;
  std::vector<engine_load> kept;
  for (std::size_t i = 0; i < candidates_.size(); ++i)
    if (near[i] == best && candidates_[i].outstanding <= least + margin)
      kept.push_back(candidates_[i]);
  candidates_.swap(kept);
}

void scheduler::retire(engine_slot& slot) {
  touched(slot);
  slot.is_retired = true;
  ++retired_;
  slot.outstanding = 0;
  slot.blocked = 0;
  slot.sent.clear();
}

}  // namespace taskhub::detail
