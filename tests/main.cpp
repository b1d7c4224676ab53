// SPDX-License-Identifier: MIT
// Part of taskhub.
// The tests run on rank 0's client thread against real engines: ranks 1..N-1 under mpirun,
// threads in a single process. Failures are reported once, by rank 0.
#include <gtest/gtest.h>

#include <taskhub/taskhub.hpp>

#include "fixture.hpp"

namespace taskhub_test {
taskhub::hub* the_hub = nullptr;
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    taskhub_test::the_hub = &hub;
    return RUN_ALL_TESTS();
  });
}
