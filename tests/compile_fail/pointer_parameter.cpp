// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a shipped function with a pointer parameter.
#include <taskhub/taskhub.hpp>

int first(const int* p) { return *p; }

void misuse(taskhub::hub& hub) {
  int x = 1;
  hub.apply<&first>(&x);
}
