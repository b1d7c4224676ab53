// SPDX-License-Identifier: MIT
// Part of taskhub.
// Runs that the watchdog reports on: `waits chain|deadlock|signal|stop|hang RELEASE [--taskhub-...]`.
// chain: a dependency chain stuck behind a long task; deadlock: a task waiting inside for a task
// that waits for a task that waits for it; signal and stop: a long task while a script sends
// SIGUSR1 or stops an engine; hang: an engine hung outside a task. Long tasks and hangs last
// until the file RELEASE exists (60 s at most).
#include <taskhub/taskhub.hpp>

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace waits {

bool sleep_until(std::string release) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    if (access(release.c_str(), F_OK) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int square(int x) { return x * x; }

// An engine hung outside a task: once its task has returned, a signal handler holds its thread
// until the release file exists (the process and its pulse run on).
char hang_release[4096];
extern "C" void hang_until_release(int) {
  const timespec nap{0, 10'000'000};
  while (access(hang_release, F_OK) != 0) nanosleep(&nap, nullptr);
}

bool hang_after_return(std::string release) {
  std::strncpy(hang_release, release.c_str(), sizeof hang_release - 1);
  struct sigaction a {};
  a.sa_handler = hang_until_release;
  sigemptyset(&a.sa_mask);
  if (sigaction(SIGUSR2, &a, nullptr) != 0) return false;
  const pthread_t engine_thread = pthread_self();
  std::thread([engine_thread] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the task has returned
    pthread_kill(engine_thread, SIGUSR2);
  }).detach();
  return true;
}

int process_id() { return static_cast<int>(getpid()); }

// Submits a task that runs after task `gate` and waits for it; -1 once that cannot happen.
int waits_inside(std::uint64_t gate) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the client submits `gate`
  auto c = taskhub::engine::hub()
               .with(taskhub::task_options().after(taskhub::dependency(std::vector<std::uint64_t>{gate})))
               .apply<&square>(3);
  try {
    return c.get();
  } catch (const taskhub::remote_error&) {
    return -1;
  }
}

bool has(const std::string& report, const std::string& part) {
  if (report.find(part) != std::string::npos) return true;
  std::cout << "waits: the report lacks '" << part << "':\n" << report << std::flush;
  return false;
}

int chain(taskhub::hub& hub, const std::string& release) {
  auto head = hub.apply<&sleep_until>(release);
  auto c1 = hub.with(taskhub::task_options().after(taskhub::dependency(head))).apply<&square>(1);
  auto c2 = hub.with(taskhub::task_options().after(taskhub::dependency(c1))).apply<&square>(2);
  auto c3 = hub.with(taskhub::task_options().after(taskhub::dependency(c2))).apply<&square>(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the watchdog reports meanwhile
  const std::string r = hub.wait_report();
  std::cout << r << std::flush;
  const std::string long_task = "waits::sleep_until#" + std::to_string(head.id());
  bool ok = has(r, "4 unfinished task(s): 1 running") &&
            has(r, "task waits::square#" + std::to_string(c1.id()) + " waits for after " +
                       long_task + " (running on engine ") &&
            has(r, "task waits::square#" + std::to_string(c2.id()) + " waits for after waits::square#" +
                       std::to_string(c1.id()) + " (waiting)") &&
            has(r, ": running " + long_task + " for ");
  std::fclose(std::fopen(release.c_str(), "w"));
  ok = ok && head.get() && c3.get() == 9;
  const std::string after = hub.wait_report();
  ok = ok && has(after, "0 unfinished task(s)");
  std::cout << (ok ? "chain: ok" : "chain: FAILED") << std::endl;
  return ok ? 0 : 1;
}

int deadlock(taskhub::hub& hub) {
  std::uint64_t last = 0;
  for (const auto& r : hub.records()) last = std::max(last, r.id);
  auto a = hub.apply<&waits_inside>(last + 2);
  auto b = hub.with(taskhub::task_options().after(taskhub::dependency(a))).apply<&square>(2);
  if (b.id() != last + 2) {
    std::cout << "deadlock: FAILED: task ids are not consecutive" << std::endl;
    return 1;
  }
  std::string r;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < end) {
    r = hub.wait_report();
    if (r.find("deadlock") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << r << std::flush;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the watchdog reports meanwhile
  bool ok = has(r, "deadlock of nested waits: ") &&
            has(r, "waits::waits_inside#" + std::to_string(a.id())) &&
            has(r, "waits for (submitted) waits::square#") &&
            has(r, "waits for (after) waits::square#" + std::to_string(b.id())) &&
            has(r, "waits for (after) waits::waits_inside#" + std::to_string(a.id()));
  // Breaking the cycle: the task that waits inside learns that its task cannot run, and returns.
  ok = ok && hub.abort({b.id()}) == 1 && a.get() == -1;
  std::cout << (ok ? "deadlock: ok" : "deadlock: FAILED") << std::endl;
  return ok ? 0 : 1;
}

// The long task runs on `engine` (0: any) until the script creates the release file.
int long_task(taskhub::hub& hub, const std::string& release, bool on_first_engine) {
  std::cout << "rank 0 pid " << getpid() << "\n";
  for (int r : hub.engines())
    std::cout << "engine " << r << " pid " << hub.apply_on<&process_id>(r).get() << "\n";
  auto f = on_first_engine ? hub.apply_on<&sleep_until>(hub.engines().front(), release)
                           : hub.apply<&sleep_until>(release);
  std::cout << "ready" << std::endl;
  const bool ok = f.get();
  std::cout << (ok ? "long task: ok" : "long task: FAILED") << std::endl;
  return ok ? 0 : 1;
}

// An engine hangs outside a task until the script creates the release file; then it serves again.
int hang(taskhub::hub& hub, const std::string& release) {
  const int engine = hub.engines().front();
  bool ok = hub.apply_on<&hang_after_return>(engine, release).get();
  std::cout << "ready" << std::endl;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (access(release.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ok = ok && hub.apply_on<&square>(engine, 5).get() == 25;
  std::cout << (ok ? "hang: ok" : "hang: FAILED") << std::endl;
  return ok ? 0 : 1;
}

}  // namespace waits

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    const auto args = taskhub::arguments(argc, argv);
    const std::string mode = args.size() > 1 ? args[1] : "";
    const std::string release = args.size() > 2 ? args[2] : "release";
    std::remove(release.c_str());  // left by an earlier run
    if (mode == "chain") return waits::chain(hub, release);
    if (mode == "deadlock") return waits::deadlock(hub);
    if (mode == "signal") return waits::long_task(hub, release, false);
    if (mode == "stop") return waits::long_task(hub, release, true);
    if (mode == "hang") return waits::hang(hub, release);
    std::cout << "usage: waits chain|deadlock|signal|stop|hang RELEASE" << std::endl;
    return 2;
  });
}
