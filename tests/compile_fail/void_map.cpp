// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: map over a function that returns nothing.
#include <taskhub/taskhub.hpp>

#include <vector>

void touch(int) {}

void misuse(taskhub::hub& hub) { hub.map<&touch>(std::vector<int>{1, 2}); }
