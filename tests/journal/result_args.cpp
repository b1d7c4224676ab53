// SPDX-License-Identifier: MIT
// Part of taskhub.
// Results as arguments across a resume: a parent whose result came back to rank 0 is answered
// from the journal and carried into the tasks that take it; a parent whose result was kept on
// its engine runs again; a task that took them and finished is answered from the journal.
// With RESULT_ARGS_LOSE=1 (under mpirun --enable-recovery), the engine that keeps a result is
// killed: a task that takes the result then fails naming it, and get() fails naming the engine;
// with RESULT_ARGS_LOSE=2 it dies while a task that takes its result waits on another engine.
// result_args [--taskhub-journal=PATH] [--taskhub-resume]: prints "result_args: ok" when right.
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include <taskhub/taskhub.hpp>

namespace {

int stamp(int x) { return 10 * x; }
int add(int a, int b) { return a + b; }
int die() {
  std::raise(SIGKILL);
  return 0;
}
int die_later(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return die();
}

// The engine that keeps a result dies: what takes the result fails, saying why.
void lose_holder(taskhub::hub& hub, const std::function<void(bool, const char*)>& check) {
  const int holder = hub.engines().back();
  auto kept = hub.load_balanced_view({holder}, taskhub::task_options().keep_remote())
                  .apply<&stamp>(2);
  check(kept.get() == 20, "the kept result is wrong");
  hub.load_balanced_view({holder}).apply<&die>().wait();
  for (int i = 0; i < 600 && hub.engines().back() == holder; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto child = hub.apply<&add>(kept, 1);
  child.wait();
  check(child.failed(), "a task took a result kept on a dead engine");
  if (child.failed()) {
    const auto e = child.error();
    check(e.type_name() == taskhub::failure::impossible_dependency, "the child's failure type");
    check(e.message().find("kept on engine " + std::to_string(holder)) != std::string::npos,
          "the child's error does not name the engine");
  }
  try {
    kept.get();
    check(false, "a result kept on a dead engine was fetched");
  } catch (const taskhub::remote_error& e) {
    check(std::string(e.what()).find("engine " + std::to_string(holder)) != std::string::npos,
          "get() does not name the engine");
  }
}

// The engine that keeps a result dies after a task that takes it went to another engine, which
// waits there for the value: that task fails too, saying why, instead of waiting for good.
void lose_holder_of_sent(taskhub::hub& hub, const std::function<void(bool, const char*)>& check) {
  const int holder = hub.engines().back(), other = hub.engines().front();
  auto kept = hub.load_balanced_view({holder}, taskhub::task_options().keep_remote())
                  .apply<&stamp>(3);
  check(kept.get() == 30, "the kept result is wrong");
  auto dying = hub.load_balanced_view({holder}).apply<&die_later>(500);  // busy, then gone
  auto child = hub.load_balanced_view({other}).apply<&add>(kept, 1);
  child.wait();
  if (!child.failed()) {  // the value left the holder before it died: the child is right
    check(child.get() == 31, "the child's sum is wrong");
    return;
  }
  const auto e = child.error();
  check(e.type_name() == taskhub::failure::impossible_dependency, "the waiting child's failure type");
  check(e.message().find("kept on engine " + std::to_string(holder)) != std::string::npos,
        "the waiting child's error does not name the engine");
  dying.wait();
}

}  // namespace

int main(int argc, char** argv) {
  bool is_resumed = false;
  for (int i = 1; i < argc; ++i) is_resumed |= std::strncmp(argv[i], "--taskhub-resume", 16) == 0;
  std::string wrong;
  bool is_client = false;  // the client's rank speaks
  const int code = taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    is_client = true;
    const std::function<void(bool, const char*)> check = [&](bool ok, const char* what) {
      if (!ok) wrong += std::string(" ") + what + ";";
    };
    if (const char* v = std::getenv("RESULT_ARGS_LOSE"); v && std::strcmp(v, "1") == 0)
      return lose_holder(hub, check);
    if (const char* v = std::getenv("RESULT_ARGS_LOSE"); v && std::strcmp(v, "2") == 0)
      return lose_holder_of_sent(hub, check);
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
  if (code != 0 || !is_client) return code;
  if (!wrong.empty()) {
    std::printf("result_args: FAILED:%s\n", wrong.c_str());
    return 1;
  }
  std::printf("result_args: ok\n");
  return 0;
}
