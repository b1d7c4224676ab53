// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: shipping a capturing lambda.
#include <taskhub/taskhub.hpp>

void misuse(taskhub::hub& hub) {
  int k = 3;
  hub.apply([k](int x) { return k * x; }, 2);
}
