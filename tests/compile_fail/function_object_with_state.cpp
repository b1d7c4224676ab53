// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a function object with data members passed by value, whose
// members would not reach the engine.
#include <taskhub/taskhub.hpp>

struct scaler {
  double k;
  double operator()(double x) const { return k * x; }
};

void misuse(taskhub::hub& hub) { hub.apply(scaler{5}, 1.0); }
