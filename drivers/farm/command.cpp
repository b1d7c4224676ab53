// SPDX-License-Identifier: MIT
// Part of taskhub.
// Running one farm command: spawn, read its output, time it out, report how it ended.
#include "command.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <taskhub/engine.hpp>

#include "reaper.hpp"

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

// Closes every descriptor above 2 in the command, after its pipes are in place.
void close_above_stderr(posix_spawn_file_actions_t& actions) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#else
  // Those open now; the farm's own are close-on-exec anyway.
  if (DIR* d = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
      const int fd = std::atoi(e->d_name);
      if (fd > 2 && fd != own) posix_spawn_file_actions_addclose(&actions, fd);
    }
    ::closedir(d);
  }
#endif
}

}  // namespace

run_settings& settings() {
  static run_settings s;
  return s;
}

outcome execute(const command& c, double timeout, double kill_grace,
                const std::string& output_dir) {
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
  command_processes processes;
  env_text.push_back(processes.marker());
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipes[0][1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 2);
  close_above_stderr(actions);  // Open MPI leaves descriptors open, its sockets among them
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
  const int spawned = processes.start([&](pid_t& started) {
    return posix_spawn(&started, "/bin/sh", &actions, &attr, argv, envp.data());
  });
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pipes[0][1]);
  ::close(pipes[1][1]);
  pipes[0][1] = pipes[1][1] = -1;
  if (spawned != 0) {
    return fail_start((c.cwd.empty() ? std::string() : "in " + c.cwd + ": ") + std::strerror(spawned));
  }
  pid = processes.shell();

  // Drain both pipes until they close; at the time-out, SIGTERM to the group, then SIGKILL after
  // the grace. Once the shell has ended (seen without reaping it, so its pid and group stay
  // ours), what still holds the pipes gets a short grace, then it and every other leftover of
  // the command is ended too.
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto grace =
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(kill_grace));
  bool is_open[2] = {true, true};
  bool has_exited = false;
  clock::time_point exited_at, kill_at = clock::time_point::max();
  int naps = 0;
  char buffer[65536];
  auto drain = [&](int i) {
    const ssize_t got = ::read(pipes[i][0], buffer, sizeof buffer);
    if (got > 0) {
      streams[i].take(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
      is_open[i] = false;
    }
    return got > 0;
  };
  auto has_ended = [&](int options) {
    siginfo_t info{};
    const int w = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | options);
    return (w == 0 && info.si_pid == pid) || (w < 0 && errno != EINTR);  // or cannot be waited for
  };
  while (is_open[0] || is_open[1] || !has_exited) {
    const auto now = clock::now();
    if (!has_exited && has_ended(WNOHANG)) {
      has_exited = true;
      exited_at = now;
    }
    if (has_exited && now - exited_at > std::chrono::milliseconds(200)) break;
    if (!o.is_timed_out && timeout > 0 &&
        std::chrono::duration<double>(now - start).count() >= timeout) {
      o.is_timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + grace;
    }
    if (!has_exited && now >= kill_at) ::kill(-pid, SIGKILL);
    pollfd fds[2];
    int n = 0;
    int which[2];
    for (int i = 0; i < 2; ++i)
      if (is_open[i]) {
        fds[n] = {pipes[i][0], POLLIN, 0};
        which[n++] = i;
      }
    int wait_ms = has_exited || n == 0 ? 10 : 100;
    const auto deadline = o.is_timed_out ? kill_at
                          : timeout > 0  ? start + std::chrono::duration_cast<clock::duration>(
                                                      std::chrono::duration<double>(timeout))
                                        : clock::time_point::max();
    if (!has_exited && deadline != clock::time_point::max()) {
      const double left = std::chrono::duration<double>(deadline - now).count();
      wait_ms = std::max(1, static_cast<int>(std::min<double>(wait_ms, left * 1000 + 1)));
    }
    if (n == 0) {
      // Both pipes closed: the command has ended or runs on without output. Without a deadline,
      // wait for it; with one, look again shortly, so the clock is still watched.
      if (has_exited) continue;
      if (deadline == clock::time_point::max() || now >= kill_at) {
        if (has_ended(0)) {
          has_exited = true;
          exited_at = clock::now();
        }
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(std::min(1000, 100 + 100 * naps++)));
      }
      continue;
    }
    if (::poll(fds, static_cast<nfds_t>(n), wait_ms) <= 0) continue;
    for (int k = 0; k < n; ++k)
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) drain(which[k]);
  }
  processes.end_rest(std::min(kill_at, clock::now() + grace));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  processes.reaped();
  for (int i = 0; i < 2; ++i) {  // what the ended processes wrote last
    if (::fcntl(pipes[i][0], F_SETFL, O_NONBLOCK) == 0)
      while (is_open[i] && drain(i)) {
      }
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

std::string label_of(const command& c) {
  std::string text;
  for (const char ch : c.text) {  // whitespace runs, newlines among them, become one space
    const bool is_space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
    if (!is_space) text += ch;
    else if (!text.empty() && text.back() != ' ') text += ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > max_label_bytes) {
    std::size_t cut = max_label_bytes - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;  // UTF-8
    text = text.substr(0, cut) + "...";
  }
  return text + " (line " + std::to_string(c.line) + ")";
}

std::string to_text(const outcome& o) {
  char head[512];
  std::snprintf(head, sizeof head, "exit %d\nsignal %d\nhost %s\nstarted %.6f\nended %.6f\n",
                o.exit_code, o.signal, o.host.c_str(), o.started, o.ended);
  return head + ("stdout:\n" + o.stdout_tail) + "\nstderr:\n" + o.stderr_tail;
}

std::string run_command(const command& c) {
  const double timeout = c.timeout > 0 ? c.timeout : settings().timeout;
  outcome o = execute(c, timeout, settings().kill_grace, settings().output_dir);
  // The launcher ends every rank with SIGTERM, and may reach this command before this process.
  // A command killed so, not by its time-out, waits a moment for this process to be told to end
  // too: its engine then reports nothing, and the command runs again on resume instead of being
  // recorded as failed.
  if ((o.signal == SIGTERM || o.signal == SIGKILL) && !o.is_timed_out)
    for (int i = 0; i < 300 && !taskhub::engine::is_ending(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
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
