// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a type without serialize.
#include <string>

#include <taskhub/taskhub.hpp>

struct particle {
  double x, y;
  std::string name;
};

double x_of(const particle& p) { return p.x; }

void misuse(taskhub::hub& hub) { hub.apply<&x_of>(particle{1, 2, "p"}); }
