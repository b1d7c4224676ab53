// SPDX-License-Identifier: MIT
// Part of taskhub.
// Running one program to its end or to a time-out, keeping what it printed.
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace taskhub_bench {

child_result run_child(const std::vector<std::string>& argv,
                       const std::vector<std::pair<std::string, std::string>>& env, double timeout) {
  child_result r;
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    bool is_replaced = false;
    for (const auto& [k, v] : env)
      is_replaced |= std::strncmp(*e, k.c_str(), k.size()) == 0 && (*e)[k.size()] == '=';
    if (!is_replaced) env_text.emplace_back(*e);
  }
  for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int out[2];
  if (argv.empty() || ::pipe2(out, O_CLOEXEC) != 0) {
    r.output = argv.empty() ? "nothing to run" : std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.output = std::string("fork: ") + std::strerror(errno);
    ::close(out[0]);
    ::close(out[1]);
    return r;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(out[1], 1);
    ::execve(args[0], args.data(), envp.data());
    const char* why = std::strerror(errno);
    (void)!::write(2, "cannot run ", 11);
    (void)!::write(2, args[0], std::strlen(args[0]));
    (void)!::write(2, ": ", 2);
    (void)!::write(2, why, std::strlen(why));
    (void)!::write(2, "\n", 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before any signal is sent to it
  ::close(out[1]);
  r.has_started = true;

  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto kill_at = clock::time_point::max();
  bool is_open = true;
  int status = 0;
  for (;;) {
    if (is_open) {
      pollfd p{out[0], POLLIN, 0};
      ::poll(&p, 1, 200);
      if (p.revents) {
        char buffer[4096];
        const ssize_t n = ::read(out[0], buffer, sizeof buffer);
        if (n > 0) r.output.append(buffer, static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR) is_open = false;
      }
    } else {
      ::usleep(100000);
    }
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid && !is_open) break;
    if (done == pid) {  // drain what is left, then stop
      char buffer[4096];
      ssize_t n;
      ::fcntl(out[0], F_SETFL, O_NONBLOCK);
      while ((n = ::read(out[0], buffer, sizeof buffer)) > 0) r.output.append(buffer, static_cast<std::size_t>(n));
      break;
    }
    const auto now = clock::now();
    if (!r.is_timed_out && timeout > 0 && std::chrono::duration<double>(now - start).count() >= timeout) {
      r.is_timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + std::chrono::seconds(5);
    }
    if (now >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = clock::time_point::max();
    }
  }
  ::close(out[0]);
  if (r.is_timed_out) ::kill(-pid, SIGKILL);  // whatever of the group outlived its leader
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string all = path ? path : "/usr/bin:/bin";
  std::size_t at = 0;
  while (at <= all.size()) {
    const std::size_t end = std::min(all.find(':', at), all.size());
    const std::string dir = end > at ? all.substr(at, end - at) : ".";
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    at = end + 1;
  }
  return "";
}

}  // namespace taskhub_bench
