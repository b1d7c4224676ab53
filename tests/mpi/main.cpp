// SPDX-License-Identifier: MIT
// Part of taskhub.
// The main of taskhub-tests: a hub whose client function runs every GoogleTest suite.
// The tests run on rank 0's client thread against real engines: ranks 1..N-1 under mpirun,
// threads in a single process. Failures are reported once, by rank 0.
#include <gtest/gtest.h>

#include <taskhub/taskhub.hpp>

#include <cstdlib>
#include <cstring>
#include <string>

#include "fixture.hpp"

namespace taskhub_test {
taskhub::hub* the_hub = nullptr;
std::string scheme_name = "leastload";
int hwm = taskhub::default_hwm;
}  // namespace taskhub_test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (const char* v = std::getenv("TASKHUB_SCHEME")) taskhub_test::scheme_name = v;
  if (const char* v = std::getenv("TASKHUB_HWM")) taskhub_test::hwm = std::atoi(v);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--taskhub-scheme=", 17) == 0) taskhub_test::scheme_name = argv[i] + 17;
    if (std::strncmp(argv[i], "--taskhub-hwm=", 14) == 0) taskhub_test::hwm = std::atoi(argv[i] + 14);
  }
  taskhub::run_options opts;
  // Engines of even rank advertise the tag "even", so tests can require it.
  opts.engine_tags = [](int rank) {
    return rank % 2 == 0 ? std::vector<std::string>{"even"} : std::vector<std::string>{};
  };
  return taskhub::run(
      argc, argv,
      [](taskhub::hub& hub) {
        taskhub_test::the_hub = &hub;
        return RUN_ALL_TESTS();
      },
      opts);
}
