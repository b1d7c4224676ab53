// SPDX-License-Identifier: MIT
// Part of taskhub.
#include <taskhub/taskhub.hpp>

static int helper(int x) { return x - 1; }

int run_b(taskhub::hub& hub) { return hub.apply<&helper>(1).get(); }
