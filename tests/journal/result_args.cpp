// SPDX-License-Identifier: MIT
// Part of taskhub.
// Results as arguments across a resume: a parent whose result came back to rank 0 is answered
// from the journal and carried into the tasks that take it; a parent whose result was kept on
// its engine runs again; a task that took them and finished is answered from the journal.
// result_args [--taskhub-journal=PATH] [--taskhub-resume]: prints "result_args: ok" when right.
#include <cstdio>
#include <cstring>
#include <string>

#include <taskhub/taskhub.hpp>

namespace {

int stamp(int x) { return 10 * x; }
int add(int a, int b) { return a + b; }

}  // namespace

int main(int argc, char** argv) {
  bool is_resumed = false;
  for (int i = 1; i < argc; ++i) is_resumed |= std::strncmp(argv[i], "--taskhub-resume", 16) == 0;
  std::string wrong;
  const int code = taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    auto check = [&](bool ok, const char* what) {
      if (!ok) wrong += std::string(" ") + what + ";";
    };
    auto back = hub.apply<&stamp>(1);
    auto kept = hub.with(taskhub::task_options().keep_remote()).apply<&stamp>(2);
    auto sum = hub.apply<&add>(back, kept);
    check(sum.get() == 30, "the sum is wrong");
    check(kept.get() == 20, "the kept result is wrong");
    if (!is_resumed) return;
    check(hub.record(back.id()).restored, "the parent that came back was not answered from the journal");
    check(!hub.record(kept.id()).restored, "the kept parent was answered from the journal");
    check(hub.record(sum.id()).restored, "the finished child was not answered from the journal");
    auto again = hub.apply<&add>(back, kept);  // new in this run: runs, with both values
    check(again.get() == 30, "a new child's sum is wrong");
    check(!hub.record(again.id()).restored, "a new child was answered from the journal");
  });
  if (code != 0) return code;
  if (!wrong.empty()) {
    std::printf("result_args: FAILED:%s\n", wrong.c_str());
    return 1;
  }
  std::printf("result_args: ok\n");
  return 0;
}
