// SPDX-License-Identifier: MIT
// Part of taskhub.
#include <taskhub/taskhub.hpp>

void bump(int& x) { ++x; }

void misuse(taskhub::hub& hub) {
  int x = 1;
  hub.apply<&bump>(x);
}
