// SPDX-License-Identifier: MIT
// Part of taskhub.
// hub::wait: waiting for every task the hub's table holds unfinished, and what they wait for.

#include "hub/hub_core.hpp"
#include "taskhub/hub.hpp"

namespace taskhub {

bool hub::wait_until(detail::deadline until) {
  detail::hub_core* h = core().table();
  if (h == nullptr) throw error("hub::wait is only available to the client on rank 0");
  std::vector<detail::task_ptr> unfinished;
  h->on_hub_thread([&] {
    h->for_each_task([&](const detail::task_data& t) {
      if (!t.is_ready()) unfinished.push_back(h->find(t.id));
    });
  });
  for (const auto& t : unfinished)
    if (!detail::wait_ready(*t, until)) return false;
  return true;
}

std::string hub::wait_report() {
  detail::hub_core* h = core().table();
  if (h == nullptr) throw error("hub::wait_report is only available to the client on rank 0");
  std::string report;
  h->on_hub_thread([&] { report = h->wait_report(); });
  return report;
}

}  // namespace taskhub
