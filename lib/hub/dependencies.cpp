// SPDX-License-Identifier: MIT
// Part of taskhub.
// The dependency resolver.
#include "hub/dependencies.hpp"

#include <algorithm>

#include "hub/id_lists.hpp"

namespace taskhub::detail {
namespace {

const task_options& options_of(const task_data& t) {
  static const task_options plain;
  return t.options ? *t.options : plain;
}

std::string task_text(const task_data& t) {
  return "task " + std::to_string(t.id) + " (" + handler_name(t.handler) + ")";
}

}  // namespace

std::string dependency_resolver::attach(task_data& t) {
  const auto& opts = options_of(t);
  for (const auto* d : {&opts.after(), &opts.follow()})
    for (auto parent : d->ids())
      if (!table_.lookup(parent))
        return "task " + std::to_string(t.id) + " depends on task " + std::to_string(parent) +
               ", which the hub does not know";
  for (const auto& in : t.hub.inputs)
    if (!table_.lookup(in.parent))
      return "task " + std::to_string(t.id) + " takes the result of task " +
             std::to_string(in.parent) + " as an argument, but the hub does not know task " +
             std::to_string(in.parent) + " (it finished and left the table, or was purged)";
  t.inputs.clear();  // the table holds them now
  for (const auto& in : t.hub.inputs) {
    auto p = table_.find(in.parent);
    t.hub.input_parents.push_back(p);  // until `t` finished: its dispatch reads the result
    if (p->hub.is_finished()) continue;
    t.hub.parents.push_back(p);
    p->hub.dependents.push_back(&t);
  }
  t.hub.parents.reserve(opts.after().ids().size() + opts.follow().ids().size());
  for (const auto* d : {&opts.after(), &opts.follow()})
    for (auto parent : d->ids()) {
      auto p = table_.find(parent);
      t.hub.parents.push_back(p);  // the table keeps it while `t` waits
      if (p->hub.is_finished()) continue;
      auto& dependents = p->hub.dependents;
      if (dependents.capacity() == 0) dependents.reserve(4);  // most that have any have a few
      dependents.push_back(&t);
    }
  return "";
}

void dependency_resolver::settled(task_data& t) {
  for (const auto& p : t.hub.parents) {
    auto& dependents = p->hub.dependents;
    dependents.erase(std::remove(dependents.begin(), dependents.end(), &t), dependents.end());
  }
  t.hub.parents = {};
}

void dependency_resolver::finished(task_data& parent) {
  for (auto* d : parent.hub.dependents) due_.push_back(d);
  parent.hub.dependents.clear();
}

// Whether a finished parent's outcome is one `d` asks for.
bool dependency_resolver::counts(const task_data& parent, const dependency& d) const {
  return parent.hub.state == taskhub::task_state::done ? d.on_success() : d.on_failure();
}

// Whether `d` is met, can never be met, or neither yet; says why only when asked (`explain`),
// since a graph of many tasks re-checks each one several times.
dependency_resolver::verdict dependency_resolver::evaluate(const task_data& t, const dependency& d,
                                                           const char* kind, bool explain) const {
  verdict v;
  if (d.empty()) {
    v.is_met = true;
    return v;
  }
  std::size_t met = 0, unmet = 0, pending = 0;
  for (auto id : d.ids()) {
    const auto& p = *table_.lookup(id);
    if (!p.hub.is_finished()) {
      ++pending;
    } else if (counts(p, d)) {
      ++met;
    } else {
      ++unmet;
    }
  }
  if (d.is_all()) {
    v.is_impossible = unmet > 0 || (!d.on_success() && !d.on_failure());
    v.is_met = !v.is_impossible && pending == 0;
  } else {
    v.is_met = met > 0;
    v.is_impossible = !v.is_met && pending == 0;
  }
  if (!explain || v.is_met) return v;
  std::vector<std::uint64_t> waiting, lost;
  for (auto id : d.ids()) {
    const auto& p = *table_.lookup(id);
    if (!p.hub.is_finished()) {
      waiting.push_back(id);
    } else if (!counts(p, d)) {
      lost.push_back(id);
    }
  }
  const std::string wanted = d.on_success() && d.on_failure() ? "to finish"
                             : d.on_success()                 ? "to succeed"
                             : d.on_failure()                 ? "to fail"
                                                              : "(no outcome counts)";
  if (!v.is_impossible) {
    v.why = std::string("waiting for ") + kind + " task(s) " + list_ids(waiting) + " " + wanted;
  } else if (d.is_all()) {
    v.why = "task " + std::to_string(t.id) + " needs all of its " + kind + " tasks " + wanted +
            ", but task(s) " + list_ids(lost) + " did not";
  } else {
    v.why = "task " + std::to_string(t.id) + " needs one of its " + kind + " tasks " + wanted +
            ", but none did (" + list_ids(lost) + ")";
  }
  return v;
}

// Whether the results `t` takes as arguments are all there, or one of them never will be.
dependency_resolver::verdict dependency_resolver::evaluate_inputs(const task_data& t,
                                                                  bool explain) const {
  verdict v;
  std::vector<std::uint64_t> waiting;
  for (const auto& p : t.hub.input_parents) {
    if (!p->hub.is_finished()) {
      waiting.push_back(p->id);
    } else if (p->hub.state != taskhub::task_state::done) {
      v.is_impossible = true;
      v.why = task_text(t) + " takes the result of " + task_text(*p) +
              " as an argument, but task " + std::to_string(p->id) + " failed (" + p->hub.error +
              ")";
      return v;
    }
  }
  v.is_met = waiting.empty();
  if (explain && !v.is_met)
    v.why = "waiting for task(s) " + list_ids(waiting) + ", whose results it takes, to succeed";
  return v;
}

std::string dependency_resolver::reason_of(const task_data& t) const {
  if (t.hub.state == taskhub::task_state::ready) return "ready: waiting for a free engine it may run on";
  if (t.hub.state != taskhub::task_state::waiting) return "";
  const verdict inputs = evaluate_inputs(t, true);
  if (!inputs.is_met) return inputs.why;
  const verdict after = evaluate(t, options_of(t).after(), "after", true);
  return !after.is_met ? after.why : evaluate(t, options_of(t).follow(), "follow", true).why;
}

dependency_resolver::resolution dependency_resolver::resolve(task_data& t) const {
  const auto& opts = options_of(t);
  if (!t.hub.input_parents.empty()) {
    const verdict inputs = evaluate_inputs(t, false);
    if (inputs.is_impossible) return {outcome::impossible, inputs.why};
    if (!inputs.is_met) return {};
  }
  const verdict after = evaluate(t, opts.after(), "after", false);
  const verdict follow = evaluate(t, opts.follow(), "follow", false);
  if (after.is_impossible || follow.is_impossible) {
    return {outcome::impossible, after.is_impossible ? evaluate(t, opts.after(), "after", true).why
                                                     : evaluate(t, opts.follow(), "follow", true).why};
  }
  if (!after.is_met || !follow.is_met) return {};
  if (!opts.follow().empty()) {  // where the parents that count ran
    const auto& d = opts.follow();
    std::vector<int> places;
    for (auto id : d.ids()) {
      const auto* p = table_.lookup(id);
      if (counts(*p, d) && p->engine >= 0 && !contains(places, p->engine)) places.push_back(p->engine);
    }
    if (places.empty())
      return {outcome::impossible,
              "task " + std::to_string(t.id) + " follows tasks that never ran on an engine"};
    if (d.is_all() && places.size() > 1)
      return {outcome::impossible, "task " + std::to_string(t.id) +
                                       " must follow all of its follow tasks, but they ran on "
                                       "different engines (" + list_ranks(places) + ")"};
    if (places.size() == 1) {
      t.hub.follow_engine = places.front();
    } else {
      t.hub.allowed = std::move(places);
    }
  }
  return {outcome::ready, ""};
}

}  // namespace taskhub::detail
