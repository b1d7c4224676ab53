// SPDX-License-Identifier: MIT
// Part of taskhub.
// Results as arguments on the hub.
#include "hub/result_inputs.hpp"

#include <map>
#include <vector>

#include "taskhub/detail/result_args.hpp"

namespace taskhub::detail {

std::string read_task_inputs(task_data& t) {
  if (t.request.size() < sizeof(record_header)) return "";
  if ((flags_of(t.request.data()) & has_inputs_flag) == 0) return "";
  try {
    for (const auto& e :
         read_inputs(t.request.data() + sizeof(record_header), t.request.size() - sizeof(record_header)))
      t.hub.inputs.push_back({e.parent, e.at});
  } catch (const std::exception& e) {
    return "task " + std::to_string(t.id) + " has a malformed list of the results it takes: " +
           e.what();
  }
  return "";
}

std::string lost_input(const task_data& t, scheduler& engines) {
  for (const auto& p : t.hub.input_parents) {
    if (p->kept_on < 0) continue;
    const engine_slot* s = engines.slot_of(p->kept_on);
    if (s && !s->is_retired) continue;
    return "task " + std::to_string(t.id) + " (" + handler_name(t.handler) +
           ") takes the result of task " + std::to_string(p->id) + " (" + handler_name(p->handler) +
           "), which was kept on engine " + std::to_string(p->kept_on) +
           ", and that engine is gone (it died or retired); run the parent again (resubmit) "
           "to have it back";
  }
  return "";
}

void fill_inputs(task_data& t, transport& to_engines, input_counts& counts) {
  if (t.hub.inputs.empty()) return;
  bytes& req = t.request;
  const char* payload = req.data() + sizeof(record_header);
  const std::size_t n = req.size() - sizeof(record_header);
  req.resize(req.size() - inputs_block_size(payload, n));
  const auto start = req.size();
  std::map<int, std::vector<std::uint64_t>> sends;  // by engine that keeps them
  for (std::size_t i = 0; i < t.hub.inputs.size(); ++i) {
    const auto& in = t.hub.inputs[i];
    const task_data& p = *t.hub.input_parents[i];
    if (p.kept_on < 0) {
      put_input(req, in.parent, in.at, input_source::carried, p.result_data, p.result_size);
      counts.carried += p.result_size;
    } else if (p.kept_on == t.engine) {
      put_input(req, in.parent, in.at, input_source::here);
      counts.local += p.kept_size;
    } else {
      put_input(req, in.parent, in.at, input_source::incoming);
      sends[p.kept_on].push_back(in.parent);
      counts.forwarded += p.kept_size;
    }
  }
  end_inputs(req, start, static_cast<std::uint32_t>(t.hub.inputs.size()));
  end_record(req, 0);
  for (const auto& [holder, ids] : sends) {
    bytes msg = take_buffer(sizeof(record_header) + ids.size() * sizeof(std::uint64_t));
    const auto at = begin_record(msg, record_kind::send_kept, 0, 0);
    set_flags(msg, at, static_cast<std::uint32_t>(t.engine));
    for (auto id : ids) put_raw(msg, &id, sizeof id);
    end_record(msg, at);
    to_engines.send(holder, std::move(msg));
  }
}

}  // namespace taskhub::detail
