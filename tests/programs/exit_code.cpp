// SPDX-License-Identifier: MIT
// Part of taskhub.
// `exit_code N` returns N from the client; `exit_code throw` throws from it after running a task.
#include <taskhub/taskhub.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace {
int twice(int x) { return 2 * x; }
}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "0";
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    if (hub.apply<&twice>(21).get() != 42) return 99;
    if (what == "throw") throw std::runtime_error("the client gave up");
    return std::atoi(what.c_str());
  });
}
