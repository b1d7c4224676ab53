// SPDX-License-Identifier: MIT
// Part of taskhub.
// The downstream program: a map of cubes on the installed taskhub, checked by its sum.
#include <taskhub/taskhub.hpp>

#include <cstdio>
#include <vector>

namespace {
int cube(int x) { return x * x * x; }
}  // namespace

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    long sum = 0;
    for (int y : hub.map<&cube>(std::vector<int>{1, 2, 3, 4})) sum += y;
    std::printf("downstream: sum of cubes %ld on %zu engines\n", sum, hub.engines().size());
    return sum == 100 ? 0 : 1;
  });
}
