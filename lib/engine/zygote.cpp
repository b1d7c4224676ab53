// SPDX-License-Identifier: MIT
// Part of taskhub.
// The process that forks runner processes for isolated tasks.
#include "engine/zygote.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine/runner.hpp"
#include "taskhub/error.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TASKHUB_ASAN 1
#endif
#endif

namespace taskhub::detail {
namespace {

enum : int { spawn_op = 1, reap_op = 2 };

struct request {
  int op;
  long value;  // reap: the pid
  std::size_t memory_limit;
};

zygote* the_zygote = nullptr;

// A message with up to two file descriptors; false when the peer has gone.
bool send_with(int socket, const void* data, std::size_t size, const int* fds, int fd_count) {
  iovec io{const_cast<void*>(data), size};
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  if (fd_count > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(fd_count * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fd_count * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, fd_count * sizeof(int));
  }
  ssize_t n;
  do n = sendmsg(socket, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(size);
}

// Receives a message and the descriptors it carries (-1 where none); false when the peer has gone.
bool receive_with(int socket, void* data, std::size_t size, int* fds, int fd_count) {
  iovec io{data, size};
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(socket, &msg, 0);
  while (n < 0 && errno == EINTR);
  for (int i = 0; i < fd_count; ++i) fds[i] = -1;
  if (n <= 0) return false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const int got = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    std::memcpy(fds, CMSG_DATA(c), std::min(got, fd_count) * sizeof(int));
  }
  return n == static_cast<ssize_t>(size);
}

// Dies with the process that forked it (and says so at once if that one is already gone).
void die_with(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);
}

[[noreturn]] void run_runner(pid_t zygote, int socket, int region_fd, int runner_socket,
                             std::size_t limit) {
  close(socket);
  die_with(zygote);
#if !defined(__SANITIZE_ADDRESS__) && !defined(TASKHUB_ASAN)
  // (AddressSanitizer's shadow memory takes more address space than any limit: there the tests
  // cap allocations through ASAN_OPTIONS instead.)
  if (limit > 0) {
    rlimit r{limit, limit};
    setrlimit(RLIMIT_AS, &r);
  }
#endif
  serve_runner(region_fd, runner_socket, limit);
}

int wait_status(pid_t pid) {
  int status = 0;
  using clock = std::chrono::steady_clock;
  const auto until = clock::now() + std::chrono::seconds(2);
  for (;;) {
    const pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid) return status;
    if (got < 0 && errno != EINTR) return -1;
    if (clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

// The zygote's loop: fork a runner or reap one, on request, until its parent goes.
[[noreturn]] void serve_zygote(int socket) {
  std::vector<pid_t> runners;
  for (;;) {
    request r{};
    int fds[2];
    if (!receive_with(socket, &r, sizeof r, fds, 2)) {
      for (pid_t p : runners) kill(p, SIGKILL);
      _exit(0);
    }
    long answer = -EINVAL;
    if (r.op == spawn_op && fds[0] >= 0 && fds[1] >= 0) {
      const pid_t self = getpid();
      const pid_t pid = fork();
      if (pid == 0) run_runner(self, socket, fds[0], fds[1], r.memory_limit);
      answer = pid < 0 ? -errno : pid;
      if (pid > 0) runners.push_back(pid);
    } else if (r.op == reap_op) {
      answer = wait_status(static_cast<pid_t>(r.value));
      runners.erase(std::remove(runners.begin(), runners.end(), static_cast<pid_t>(r.value)),
                    runners.end());
    }
    for (int fd : fds)
      if (fd >= 0) close(fd);
    if (!send_with(socket, &answer, sizeof answer, nullptr, 0)) _exit(0);
  }
}

}  // namespace

void zygote::start() {
  if (the_zygote) return;
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throw error(std::string("cannot start the process that forks runners: socketpair: ") +
                std::strerror(errno));
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0)
    throw error(std::string("cannot start the process that forks runners: fork: ") +
                std::strerror(errno));
  if (pid == 0) {
    close(pair[0]);
    die_with(parent);
    serve_zygote(pair[1]);
  }
  close(pair[1]);
  the_zygote = new zygote(pair[0]);  // lives as long as the process
}

zygote* zygote::get() { return the_zygote; }

long zygote::ask(int op, long value, std::size_t memory_limit, const int* fds, int fd_count) {
  std::lock_guard<std::mutex> lock(m_);
  const request r{op, value, memory_limit};
  long answer = 0;
  int unused[1];
  if (!send_with(socket_, &r, sizeof r, fds, fd_count) ||
      !receive_with(socket_, &answer, sizeof answer, unused, 0))
    throw error("the process that forks runners has gone");
  return answer;
}

pid_t zygote::spawn(int region_fd, int socket_fd, std::size_t memory_limit) {
  const int fds[2] = {region_fd, socket_fd};
  const long pid = ask(spawn_op, 0, memory_limit, fds, 2);
  if (pid < 0)
    throw error(std::string("cannot fork a runner: ") + std::strerror(static_cast<int>(-pid)));
  return static_cast<pid_t>(pid);
}

int zygote::reap(pid_t pid) { return static_cast<int>(ask(reap_op, pid, 0, nullptr, 0)); }

}  // namespace taskhub::detail
