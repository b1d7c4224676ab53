// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a std::function, which holds code and data of this process.
#include <functional>

#include <taskhub/taskhub.hpp>

void misuse(taskhub::hub& hub) {
  std::function<double(double)> f = [](double x) { return x * 2; };
  hub.apply(f, 1.0);
  hub.apply<std::function<double(double)>>(1.0);
}
