// SPDX-License-Identifier: MIT
// Part of taskhub.
// The README's first program: one task and one map.
#include <taskhub/taskhub.hpp>
#include <cstdio>
#include <vector>

double integrate(double a, double b) { return (b * b * b - a * a * a) / 3; }  // of x^2

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    auto f = hub.apply<&integrate>(0.0, 1.0);                     // on the least-loaded engine
    auto pieces = hub.map<&integrate>(std::vector{0.0, 1.0}, std::vector{1.0, 2.0}).get();
    const double whole = f.get();  // first: f.engine() is known once the result is in
    std::printf("%.4f %.4f %.4f on engine %d\n", whole, pieces[0], pieces[1], f.engine());
  });
}
