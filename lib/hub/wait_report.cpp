// SPDX-License-Identifier: MIT
// Part of taskhub.
// What a run waits for.
#include "hub/wait_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "taskhub/task_options.hpp"

namespace taskhub::detail {
namespace {

using state = taskhub::task_state;
constexpr std::size_t most_listed = 20;  // per list; the rest are counted
constexpr std::size_t most_drawn = 10000;  // tasks in the graph

std::string name_of(const task_data& t) { return handler_name(t.handler) + "#" + std::to_string(t.id); }

std::string seconds_text(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ns) / 1e9);
  return text;
}

// A wait of one task on another: `from` cannot go on until `to` finishes.
struct edge {
  const task_data* from;
  const task_data* to;
  const char* kind;  // after, follow, submitted (a nested wait), on top (it runs above `from`)
};

class builder {
 public:
  builder(const task_flow& flow, const std::vector<std::string>& hosts)
      : flow_(flow), now_(timers::now_ns()) {
    const auto& slots = flow.engines().slots();
    for (std::size_t i = 0; i < slots.size(); ++i)
      engine_texts_[slots[i].rank] = std::to_string(slots[i].rank) +
          (i < hosts.size() && !hosts[i].empty() ? " (" + hosts[i] + ")" : "");
    flow.table().for_each([&](const task_data& t) {
      if (t.hub.is_finished()) return;
      unfinished_.push_back(&t);
      if (t.hub.submitted_by != 0) children_[t.hub.submitted_by].push_back(&t);
      if (t.hub.state == state::queued) queued_[t.engine].push_back(&t);
      if (t.hub.state != state::running) return;
      (t.hub.is_waiting_inside ? inside_ : on_top_)[t.engine].push_back(&t);
    });
    auto by_id = [](const task_data* a, const task_data* b) { return a->id < b->id; };
    for (auto* m : {&queued_, &inside_, &on_top_})
      for (auto& entry : *m) std::sort(entry.second.begin(), entry.second.end(), by_id);
    std::sort(unfinished_.begin(), unfinished_.end(), by_id);
    for (const auto* t : unfinished_) add_edges(*t);
  }

  std::string where(const task_data& t) const {
    switch (t.hub.state) {
      case state::waiting: return "waiting";
      case state::ready: return "ready";
      case state::queued: return "queued on engine " + engine_text(t.engine);
      case state::running:
        return "running on engine " + engine_text(t.engine) + " for " +
               seconds_text(now_ - t.hub.running_since_ns) +
               (t.hub.is_waiting_inside ? ", waiting for tasks it submitted" : "");
      default: return "finished";
    }
  }

  wait_report build(const std::vector<std::string>& silences) {
    wait_report r;
    r.unfinished = unfinished_.size();
    std::map<state, std::size_t> count;
    std::size_t inside = 0;
    for (const auto* t : unfinished_) {
      ++count[t->hub.state];
      inside += t->hub.is_waiting_inside ? 1 : 0;
    }
    std::string& out = r.text;
    out += std::to_string(unfinished_.size()) + " unfinished task(s): " +
           std::to_string(count[state::running]) + " running (" + std::to_string(inside) +
           " waiting inside for tasks they submitted), " + std::to_string(count[state::queued]) +
           " queued on engines, " + std::to_string(count[state::ready]) + " ready, " +
           std::to_string(count[state::waiting]) + " waiting for other tasks\n";
    const auto& slots = flow_.engines().slots();
    for (std::size_t i = 0; i < slots.size(); ++i)
      out += engine_line(slots[i], i < silences.size() ? silences[i] : std::string());
    std::size_t listed = 0;
    for (const auto* t : unfinished_) {
      if (t->hub.state != state::waiting && !t->hub.is_waiting_inside) continue;
      if (++listed > most_listed) continue;
      out += "task " + name_of(*t) + (t->hub.is_waiting_inside ? " (" + where(*t) + ")" : "") +
             " waits for " + waits_of(*t) + "\n";
    }
    if (listed > most_listed)
      out += "and " + std::to_string(listed - most_listed) + " more waiting task(s)\n";
    std::vector<const task_data*> ready, awaited;
    for (const auto* t : unfinished_) {
      if (t->hub.state == state::ready) ready.push_back(t);
      if (t->is_awaited.load() && t->hub.origin == 0) awaited.push_back(t);
    }
    if (!ready.empty())
      out += std::to_string(ready.size()) + " ready task(s) wait for a free engine they may run on: " +
             names(ready) + "\n";
    out += awaited.empty() ? std::string("the client waits for no task\n")
                           : "the client waits for " + names(awaited) + "\n";
    const auto cycle = find_cycle();
    r.has_deadlock = !cycle.empty();
    if (r.has_deadlock) {
      out += "deadlock of nested waits: ";
      for (std::size_t i = 0; i + 1 < cycle.size(); ++i)
        out += name_of(*cycle[i].from) + " (" + where(*cycle[i].from) + ") waits for (" +
               cycle[i].kind + ") ";
      out += name_of(*cycle.back().from) + " (" + where(*cycle.back().from) + ") waits for (" +
             cycle.back().kind + ") " + name_of(*cycle.back().to) + ": none of them can finish\n";
    }
    r.dot = dot(cycle);
    return r;
  }

 private:
  std::string engine_text(int rank) const {
    const auto it = engine_texts_.find(rank);
    return it == engine_texts_.end() ? std::to_string(rank) : it->second;
  }

  std::string names(const std::vector<const task_data*>& ts) const {
    std::string s;
    for (std::size_t i = 0; i < ts.size() && i < most_listed; ++i)
      s += (i ? ", " : "") + name_of(*ts[i]);
    if (ts.size() > most_listed) s += " and " + std::to_string(ts.size() - most_listed) + " more";
    return s;
  }

  std::string engine_line(const engine_slot& s, const std::string& silence) const {
    std::string line = "engine " + engine_text(s.rank) + ": ";
    if (s.is_retired) return line + "retired after a task crashed it\n";
    const auto& top = of(on_top_, s.rank);
    const auto& inside = of(inside_, s.rank);
    const auto& queued = of(queued_, s.rank);
    std::string parts;
    auto add = [&](const std::string& p) { parts += (parts.empty() ? "" : "; ") + p; };
    for (const auto* t : top)
      add("running " + name_of(*t) + " for " + seconds_text(now_ - t->hub.running_since_ns));
    if (!inside.empty())
      add("blocked in nested waits: " + names(inside) + " wait(s) for tasks they submitted");
    if (!queued.empty()) add(std::to_string(queued.size()) + " queued: " + names(queued));
    if (!silence.empty()) add(silence);
    return line + (parts.empty() ? "idle" : parts) + "\n";
  }

  using by_engine = std::unordered_map<int, std::vector<const task_data*>>;
  static const std::vector<const task_data*>& of(const by_engine& m, int engine) {
    static const std::vector<const task_data*> none;
    const auto it = m.find(engine);
    return it == m.end() ? none : it->second;
  }

  std::string waits_of(const task_data& t) const {
    std::string s;
    std::size_t n = 0;
    for (const auto& e : edges_) {
      if (e.from != &t || ++n > most_listed) continue;
      s += (s.empty() ? "" : ", ") + std::string(e.kind) + " " + name_of(*e.to) + " (" +
           where(*e.to) + ")";
    }
    if (n > most_listed) s += " and " + std::to_string(n - most_listed) + " more";
    return s.empty() ? "nothing the hub knows of" : s;
  }

  const task_data* unfinished(std::uint64_t id) const {
    const auto* p = flow_.table().lookup(id);
    return p && !p->hub.is_finished() ? p : nullptr;
  }

  void add_edges(const task_data& t) {
    if (t.hub.state == state::waiting && t.options) {
      for (auto id : t.options->after().ids())
        if (const auto* p = unfinished(id)) edges_.push_back({&t, p, "after"});
      for (auto id : t.options->follow().ids())
        if (const auto* p = unfinished(id)) edges_.push_back({&t, p, "follow"});
    }
    if (t.hub.state != state::running || !t.hub.is_waiting_inside) return;
    if (auto it = children_.find(t.id); it != children_.end())
      for (const auto* c : it->second) edges_.push_back({&t, c, "submitted"});
    // A task that waits inside cannot go on while a task runs on top of it on its engine.
    if (auto it = on_top_.find(t.engine); it != on_top_.end())
      for (const auto* o : it->second) edges_.push_back({&t, o, "on top"});
  }

  // A cycle of waits, as the edges that close it; empty when there is none.
  std::vector<edge> find_cycle() const {
    std::unordered_map<const task_data*, std::vector<const edge*>> out;
    for (const auto& e : edges_) out[e.from].push_back(&e);
    std::unordered_map<const task_data*, int> color;  // 0 new, 1 on the path, 2 done
    for (const auto* start : unfinished_) {
      if (color[start] != 0) continue;
      std::vector<std::pair<const task_data*, std::size_t>> stack{{start, 0}};
      std::vector<const edge*> path;
      color[start] = 1;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        const auto& es = out[node];
        if (next == es.size()) {
          color[node] = 2;
          stack.pop_back();
          if (!path.empty()) path.pop_back();
          continue;
        }
        const edge* e = es[next++];
        if (color[e->to] == 1) {  // back to the path: the cycle runs from e->to to here
          std::vector<edge> cycle;
          std::size_t from = 0;
          while (from < path.size() && path[from]->from != e->to) ++from;
          for (std::size_t i = from; i < path.size(); ++i) cycle.push_back(*path[i]);
          cycle.push_back(*e);
          return cycle;
        }
        if (color[e->to] == 0) {
          color[e->to] = 1;
          path.push_back(e);
          stack.push_back({e->to, 0});
        }
      }
    }
    return {};
  }

  // `lines` as one quoted DOT string, each line on a line of its own.
  static std::string quoted(std::initializer_list<std::string> lines) {
    std::string q = "\"";
    for (const auto& line : lines) {
      if (q.size() > 1) q += "\\n";
      for (char c : line) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
      }
    }
    return q + "\"";
  }

  std::string dot(const std::vector<edge>& cycle) const {
    auto id = [](const task_data* t) { return "t" + std::to_string(t->id); };
    std::string g = "digraph taskhub_waits {\n  node [shape=box];\n";
    // A graph of a huge table is of no use drawn: the first tasks by id, and the cycle.
    std::unordered_set<const task_data*> drawn;
    for (std::size_t i = 0; i < unfinished_.size() && i < most_drawn; ++i) drawn.insert(unfinished_[i]);
    std::set<std::pair<const task_data*, const task_data*>> red;
    for (const auto& c : cycle) {
      drawn.insert(c.from);
      red.insert({c.from, c.to});
    }
    for (const auto* t : unfinished_) {
      if (!drawn.count(t)) continue;
      g += "  " + id(t) + " [label=" + quoted({name_of(*t), where(*t)}) +
           (t->hub.is_waiting_inside ? ", style=dashed" : "") + "];\n";
    }
    for (const auto& e : edges_) {
      if (!drawn.count(e.from) || !drawn.count(e.to)) continue;
      const bool is_in_cycle = red.count({e.from, e.to}) > 0;
      g += "  " + id(e.from) + " -> " + id(e.to) + " [label=" + quoted({e.kind}) +
           (is_in_cycle ? ", color=red" : "") + "];\n";
    }
    if (drawn.size() < unfinished_.size())
      g += "  // " + std::to_string(unfinished_.size() - drawn.size()) + " more unfinished tasks left out\n";
    return g + "}\n";
  }

  const task_flow& flow_;
  std::unordered_map<int, std::string> engine_texts_;  // "rank (host)" by rank
  const std::int64_t now_;
  std::vector<const task_data*> unfinished_;
  std::unordered_map<std::uint64_t, std::vector<const task_data*>> children_;
  by_engine on_top_, inside_, queued_;  // running and not waiting, waiting inside, queued
  std::vector<edge> edges_;
};

}  // namespace

wait_report report_waits(const task_flow& flow, const std::vector<std::string>& hosts,
                         const std::vector<std::string>& silences) {
  return builder(flow, hosts).build(silences);
}

}  // namespace taskhub::detail
