// SPDX-License-Identifier: MIT
// Part of taskhub.
// Engines without work sleep instead of spinning.
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace idle_test {

class idle : public taskhub_test::hub_test {};

/// CPU seconds this engine has used so far (its process, or its thread in single-process mode).
double cpu_seconds(int) {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

TEST_F(idle, idle_engines_do_not_spin) {
  const auto before = hub.all().apply<&cpu_seconds>(0).get();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto after = hub.all().apply<&cpu_seconds>(1).get();
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    // A spinning engine would use close to a full core (2 s); one that sleeps uses almost none.
    EXPECT_LT(after[i] - before[i], 0.2) << "engine " << hub.engines()[i];
  }
}

/// CPU seconds this process has used so far, every thread of it.
double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::int64_t twice(std::int64_t x) { return 2 * x; }

TEST_F(idle, an_idle_hub_does_not_spin) {
  // A client that has just waited for results (and so ran the hub's passes itself) goes quiet.
  for (std::int64_t i = 0; i < 100; ++i) ASSERT_EQ(hub.apply<&twice>(i).get(), 2 * i);
  const double before = process_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // A spinning hub thread would use close to a full core (2 s); one that sleeps uses almost none.
  EXPECT_LT(process_cpu_seconds() - before, 0.3);
}

}  // namespace idle_test
