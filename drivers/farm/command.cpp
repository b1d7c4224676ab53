// SPDX-License-Identifier: MIT
// Part of taskhub.
// Running one farm command: spawn, read its output, time it out, report how it ended.
#include "command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace farm {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// The last `tail_bytes` of a stream, and optionally all of it in a file.
struct sink {
  std::string tail;
  int file = -1;
  void take(const char* data, std::size_t n) {
    if (file >= 0 && ::write(file, data, n) < 0) {
      ::close(file);  // a full disk loses the file copy, not the task
      file = -1;
    }
    tail.append(data, n);
    if (tail.size() > 2 * tail_bytes) tail.erase(0, tail.size() - tail_bytes);
  }
  std::string last() const { return tail.size() > tail_bytes ? tail.substr(tail.size() - tail_bytes) : tail; }
};

}  // namespace

run_settings& settings() {
  static run_settings s;
  return s;
}

outcome execute(const command& c, double timeout, const std::string& output_dir) {
  outcome o;
  o.host = host_name();
  o.started = now_seconds();
  sink streams[2];
  int pipes[2][2] = {{-1, -1}, {-1, -1}};
  auto fail_start = [&](const std::string& why) {
    o.exit_code = 127;
    o.stderr_tail = "taskhub-farm: cannot start the command: " + why;
    o.ended = now_seconds();
    for (auto& p : pipes)
      for (int fd : p)
        if (fd >= 0) ::close(fd);
    for (auto& s : streams)
      if (s.file >= 0) ::close(s.file);
    return o;
  };
  if (!output_dir.empty()) {
    const char* suffix[2] = {".out", ".err"};
    for (int i = 0; i < 2; ++i) {
      const std::string name = output_dir + "/" + std::to_string(c.line) + suffix[i];
      streams[i].file = ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (streams[i].file < 0) return fail_start(name + ": " + std::strerror(errno));
    }
  }
  for (auto& p : pipes)
    if (::pipe2(p, O_CLOEXEC) != 0) return fail_start(std::string("pipe: ") + std::strerror(errno));

  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    bool is_overridden = false;
    for (const auto& [k, v] : c.env)
      is_overridden |= std::strncmp(*e, k.c_str(), k.size()) == 0 && (*e)[k.size()] == '=';
    if (!is_overridden) env_text.emplace_back(*e);
  }
  for (const auto& [k, v] : c.env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipes[0][1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 2);
  if (!c.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, c.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group: a time-out kills all of it
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGSEGV);
  sigaddset(&defaults, SIGBUS);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::string shell_text = c.text;
  char* argv[] = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"), shell_text.data(), nullptr};
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pipes[0][1]);
  ::close(pipes[1][1]);
  pipes[0][1] = pipes[1][1] = -1;
  if (spawned != 0) {
    return fail_start((c.cwd.empty() ? std::string() : "in " + c.cwd + ": ") + std::strerror(spawned));
  }

  // Drain both pipes until they close; kill the group at the time-out. Once the shell has exited,
  // a background child that keeps the pipes open gets a short grace, then is left to itself.
  const auto start = std::chrono::steady_clock::now();
  bool is_open[2] = {true, true};
  bool has_exited = false;
  int status = 0;
  std::chrono::steady_clock::time_point exited_at;
  int naps = 0;
  char buffer[65536];
  while (is_open[0] || is_open[1] || !has_exited) {
    const auto now = std::chrono::steady_clock::now();
    if (!has_exited) {
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR)) {  // exited (or cannot be waited for)
        has_exited = true;
        exited_at = now;
      }
    }
    if (has_exited && now - exited_at > std::chrono::milliseconds(200)) break;
    if (!o.is_timed_out && timeout > 0 &&
        std::chrono::duration<double>(now - start).count() >= timeout) {
      o.is_timed_out = true;
      ::kill(-pid, SIGKILL);
    }
    pollfd fds[2];
    int n = 0;
    int which[2];
    for (int i = 0; i < 2; ++i)
      if (is_open[i]) {
        fds[n] = {pipes[i][0], POLLIN, 0};
        which[n++] = i;
      }
    int wait_ms = has_exited || n == 0 ? 10 : 100;
    if (timeout > 0 && !o.is_timed_out) {
      const double left = timeout - std::chrono::duration<double>(now - start).count();
      wait_ms = std::max(1, static_cast<int>(std::min<double>(wait_ms, left * 1000 + 1)));
    }
    if (n == 0) {
      // Both pipes closed: the command has ended or runs on without output. Without a time-out,
      // wait for it; with one, look again shortly, so the clock is still watched.
      if (has_exited) continue;
      if (timeout <= 0 || o.is_timed_out) {
        if (::waitpid(pid, &status, 0) == pid || errno != EINTR) {
          has_exited = true;
          exited_at = std::chrono::steady_clock::now();
        }
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(std::min(1000, 100 + 100 * naps++)));
      }
      continue;
    }
    if (::poll(fds, static_cast<nfds_t>(n), wait_ms) <= 0) continue;
    for (int k = 0; k < n; ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int i = which[k];
      const ssize_t got = ::read(pipes[i][0], buffer, sizeof buffer);
      if (got > 0) {
        streams[i].take(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        is_open[i] = false;
      }
    }
  }
  for (int i = 0; i < 2; ++i) {
    ::close(pipes[i][0]);
    if (streams[i].file >= 0) ::close(streams[i].file);
  }
  o.ended = now_seconds();
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  o.stdout_tail = streams[0].last();
  o.stderr_tail = streams[1].last();
  return o;
}

std::string describe(const outcome& o, double timeout) {
  if (o.is_timed_out) {
    char text[64];
    std::snprintf(text, sizeof text, "timed out after %g s and was killed", timeout);
    return text;
  }
  if (o.signal != 0) return "killed by signal " + std::to_string(o.signal) + " (" + strsignal(o.signal) + ")";
  return "exit " + std::to_string(o.exit_code);
}

std::string identity(const command& c) {
  std::string key = c.text + '\0' + c.cwd + '\0';
  for (const auto& [k, v] : c.env) key += k + '=' + v + '\0';
  char timeout[32];
  std::snprintf(timeout, sizeof timeout, "%.17g", c.timeout);
  return key + timeout;
}

std::string to_text(const outcome& o) {
  char head[512];
  std::snprintf(head, sizeof head, "exit %d\nsignal %d\nhost %s\nstarted %.6f\nended %.6f\n",
                o.exit_code, o.signal, o.host.c_str(), o.started, o.ended);
  return head + ("stdout:\n" + o.stdout_tail) + "\nstderr:\n" + o.stderr_tail;
}

std::string run_command(const command& c) {
  const double timeout = c.timeout > 0 ? c.timeout : settings().timeout;
  outcome o = execute(c, timeout, settings().output_dir);
  if (o.exit_code == 0 && o.signal == 0 && !o.is_timed_out) return to_text(o);
  std::string why = describe(o, timeout);
  // The last line of stderr says most about a failure.
  std::string err = o.stderr_tail;
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  const auto nl = err.rfind('\n');
  if (!err.empty()) why += ": " + (nl == std::string::npos ? err : err.substr(nl + 1));
  if (why.size() > 400) why.resize(400);
  throw command_failed(why);
}

}  // namespace farm
