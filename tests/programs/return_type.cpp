// SPDX-License-Identifier: MIT
// Part of taskhub.
// Built twice, with `work` returning int and returning double: the same name and parameters,
// another result. Launched together (MPMD) the start-up must refuse them with one line.
#include <taskhub/taskhub.hpp>

#include <cstdio>

namespace {
#ifdef TASKHUB_TEST_DOUBLE
double work(int x) { return x + 0.5; }
#else
int work(int x) { return x + 1; }
#endif
}  // namespace

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    std::printf("work(41) = %g\n", static_cast<double>(hub.apply<&work>(41).get()));
    return 0;
  });
}
