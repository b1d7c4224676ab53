// SPDX-License-Identifier: MIT
// Part of taskhub.
// The second of two file-local functions that share a name (the run must refuse them).
#include <taskhub/taskhub.hpp>

static int helper(int x) { return x - 1; }

int run_b(taskhub::hub& hub) { return hub.apply<&helper>(1).get(); }
