// SPDX-License-Identifier: MIT
// Part of taskhub.
// The standard workloads W1 and W3 through taskhub.
#include "workloads.hpp"

#include <taskhub/taskhub.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "work.hpp"

namespace taskhub_bench {
namespace {

using clock_type = std::chrono::steady_clock;

std::int64_t tiny(std::int64_t x) { return tiny_work(x); }
void uneven(int i) { uneven_work(i); }
void nap(double ms) { sleep_work(ms); }

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

}  // namespace

w1_figures run_w1(taskhub::hub& hub, int tasks) {
  w1_figures f;
  const auto before = hub.traffic().hub;
  const auto t0 = clock_type::now();
  std::vector<taskhub::future<std::int64_t>> fs;
  fs.reserve(static_cast<std::size_t>(tasks));
  for (int i = 0; i < tasks; ++i) fs.push_back(hub.apply<&tiny>(i));
  std::int64_t sum = 0;
  for (auto& x : fs) sum += x.get();
  f.tasks_per_second = tasks / seconds_since(t0);
  const auto after = hub.traffic().hub;
  f.sent = static_cast<double>(after.messages_sent - before.messages_sent) * 1000 / tasks;
  f.received = static_cast<double>(after.messages_received - before.messages_received) * 1000 / tasks;
  if (sum != static_cast<std::int64_t>(tasks) * tasks) std::fprintf(stderr, "W1: wrong sum %lld\n", (long long)sum);
  return f;
}

double run_w3(taskhub::hub& hub, int tasks) {
  const int engines = static_cast<int>(hub.engines().size());
  double ideal_ms = 0;
  for (int i = 0; i < tasks; ++i) ideal_ms += uneven_ms(i);
  const auto t0 = clock_type::now();
  std::vector<taskhub::future<void>> fs;
  for (int i = 0; i < tasks; ++i) fs.push_back(hub.apply<&uneven>(i));
  taskhub::wait(fs);
  return ideal_ms / engines / (seconds_since(t0) * 1e3);
}

double run_sleeps(taskhub::hub& hub, int tasks, double ms) {
  const int engines = static_cast<int>(hub.engines().size());
  const auto t0 = clock_type::now();
  std::vector<taskhub::future<void>> fs;
  for (int i = 0; i < tasks; ++i) fs.push_back(hub.apply<&nap>(ms));
  taskhub::wait(fs);
  return tasks * ms / engines / (seconds_since(t0) * 1e3);
}

}  // namespace taskhub_bench
