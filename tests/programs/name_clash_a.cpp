// SPDX-License-Identifier: MIT
// Part of taskhub.
// Two translation units each ship a file-local function named `helper`: the start-up must refuse.
#include <taskhub/taskhub.hpp>

static int helper(int x) { return x + 1; }

int run_b(taskhub::hub& hub);

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) { return hub.apply<&helper>(1).get() + run_b(hub); });
}
