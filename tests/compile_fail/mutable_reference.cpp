// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a shipped function with a non-const reference parameter.
#include <taskhub/taskhub.hpp>

void bump(int& x) { ++x; }

void misuse(taskhub::hub& hub) {
  int x = 1;
  hub.apply<&bump>(x);
}
