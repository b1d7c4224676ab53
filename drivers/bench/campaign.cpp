// SPDX-License-Identifier: MIT
// Part of taskhub.
// The campaign workload.
#include "campaign.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <taskhub/taskhub.hpp>

#include "work.hpp"

namespace taskhub_bench {
namespace {

std::int64_t campaign_item(std::int64_t x) { return tiny_work(x); }

// The numbers 0..n-1, made as they are read: the input costs nothing per task.
struct counting_range {
  struct iterator {
    std::int64_t at;
    std::int64_t operator*() const { return at; }
    iterator& operator++() {
      ++at;
      return *this;
    }
    bool operator==(const iterator& o) const { return at == o.at; }
    bool operator!=(const iterator& o) const { return at != o.at; }
  };
  std::int64_t n;
  iterator begin() const { return {0}; }
  iterator end() const { return {n}; }
};

// A line of /proc/self/status in KiB ("VmHWM", "VmRSS"), or 0.
long status_kib(const char* name) {
  std::ifstream in("/proc/self/status");
  const std::size_t n = std::strlen(name);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, n, name) == 0 && line.size() > n && line[n] == ':')
      return std::stol(line.substr(n + 1));
  return 0;
}

// One imap of `tasks` items keeping `max_outstanding` in flight; returns the most tasks the hub
// held (sampled twenty times).
std::size_t run_imap(taskhub::hub& hub, std::size_t tasks, std::size_t max_outstanding) {
  const std::size_t every = std::max<std::size_t>(tasks / 20, 1);
  std::size_t read = 0, most_held = 0;
  std::int64_t sum = 0;
  for (std::int64_t y : hub.imap<&campaign_item>(
           taskhub::map_options().max_outstanding(max_outstanding),
           counting_range{static_cast<std::int64_t>(tasks)})) {
    sum += y;
    if (++read % every == 0) most_held = std::max(most_held, hub.tasks_held());
  }
  const auto n = static_cast<std::int64_t>(tasks);
  if (read != tasks || sum != n * n) std::fprintf(stderr, "campaign: wrong sum or count\n");
  return most_held;
}

}  // namespace

// The campaign runs twice: with a tenth of the tasks in flight, then with all of them. What the
// peak grows by between the two is what the extra tasks in flight cost; what the first run's peak
// holds beyond the start is the cost that does not grow with them (pools, slabs, lanes).
void run_campaign(taskhub::hub& hub, std::size_t tasks, std::size_t max_outstanding) {
  const long rss_before = status_kib("VmRSS");
  const std::size_t fewer = std::max<std::size_t>(max_outstanding / 10, 1);
  run_imap(hub, tasks, fewer);
  const long hwm_fewer = status_kib("VmHWM");
  const auto traffic_before = hub.traffic().hub;
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t most_held = run_imap(hub, tasks, max_outstanding);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto traffic = hub.traffic().hub;
  const std::size_t held_after = hub.tasks_held();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const long hwm = status_kib("VmHWM");
  const double extra_in_flight = static_cast<double>(max_outstanding - fewer);
  const double per_task = 1.0 / static_cast<double>(std::max<std::size_t>(tasks, 1));
  std::printf("taskhub-bench campaign: %zu tiny tasks as one imap, max_outstanding %zu, %zu "
              "engines\n\n", tasks, max_outstanding, hub.engines().size());
  std::printf("| figure | value |\n|---|---:|\n");
  std::printf("| tasks/s | %.0f |\n", static_cast<double>(tasks) / seconds);
  std::printf("| rank 0 peak RSS, getrusage ru_maxrss (KiB) | %ld |\n", usage.ru_maxrss);
  std::printf("| rank 0 peak RSS, VmHWM (KiB) | %ld |\n", hwm);
  std::printf("| rank 0 RSS before the campaign (KiB) | %ld |\n", rss_before);
  std::printf("| rank 0 peak RSS with %zu in flight, VmHWM (KiB) | %ld |\n", fewer, hwm_fewer);
  if (extra_in_flight > 0)
    std::printf("| bytes per task in flight (peak growth from %zu to %zu in flight) | %.0f |\n",
                fewer, max_outstanding,
                1024.0 * static_cast<double>(std::max(0L, hwm - hwm_fewer)) / extra_in_flight);
  std::printf("| bytes per task in flight, all growth from the start | %.0f |\n",
              1024.0 * static_cast<double>(std::max(0L, hwm - rss_before)) /
                  static_cast<double>(max_outstanding));
  std::printf("| most tasks the hub held (sampled) | %zu |\n", most_held);
  std::printf("| tasks the hub holds after | %zu |\n", held_after);
  std::printf("| hub messages sent per 1,000 tasks | %.1f |\n",
              1000 * per_task * static_cast<double>(traffic.messages_sent - traffic_before.messages_sent));
  std::printf("| hub messages received per 1,000 tasks | %.1f |\n",
              1000 * per_task *
                  static_cast<double>(traffic.messages_received - traffic_before.messages_received));
  std::printf("| hub bytes sent per task | %.1f |\n",
              per_task * static_cast<double>(traffic.bytes_sent - traffic_before.bytes_sent));
  std::printf("| hub bytes received per task | %.1f |\n",
              per_task *
                  static_cast<double>(traffic.bytes_received - traffic_before.bytes_received));
}

}  // namespace taskhub_bench
