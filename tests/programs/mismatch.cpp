// SPDX-License-Identifier: MIT
// Part of taskhub.
// Built twice, with and without TASKHUB_TEST_EXTRA: launched together (MPMD) they are two
// different binaries, and the start-up must refuse with one line.
#include <taskhub/taskhub.hpp>

namespace {
int base(int x) { return x; }
#ifdef TASKHUB_TEST_EXTRA
int extra(int x) { return -x; }
#endif
}  // namespace

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    int r = hub.apply<&base>(1).get();
#ifdef TASKHUB_TEST_EXTRA
    r += hub.apply<&extra>(1).get();
#endif
    return r == 1 ? 0 : 1;
  });
}
