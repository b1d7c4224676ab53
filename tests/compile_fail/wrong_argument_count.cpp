// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: the wrong number of arguments.
#include <taskhub/taskhub.hpp>

int add(int a, int b) { return a + b; }

void misuse(taskhub::hub& hub) { hub.apply<&add>(1); }
