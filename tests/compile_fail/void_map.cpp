// SPDX-License-Identifier: MIT
// Part of taskhub.
#include <taskhub/taskhub.hpp>

#include <vector>

void touch(int) {}

void misuse(taskhub::hub& hub) { hub.map<&touch>(std::vector<int>{1, 2}); }
