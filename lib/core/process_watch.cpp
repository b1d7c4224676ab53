// SPDX-License-Identifier: MIT
// Part of taskhub.
// Watching other processes of the run on this host.
#include "core/process_watch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace taskhub::detail {
namespace {

std::string program_of(const std::string& proc) {
  char path[4096];
  const ssize_t n = readlink((proc + "/exe").c_str(), path, sizeof path);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string();
}

int open_process(long pid) {
#ifdef SYS_pidfd_open
  if (pid <= 0) return -1;
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
  if (fd < 0) return -1;
  // Checked after the pidfd holds the process, so the number cannot be reused in between.
  const std::string mine = program_of("/proc/self");
  if (mine.empty() || program_of("/proc/" + std::to_string(pid)) != mine) {
    close(fd);
    return -1;
  }
  return fd;
#else
  (void)pid;
  return -1;
#endif
}

// A pollfd for each watched process, and its position in `fds`.
std::vector<pollfd> watched(const std::vector<int>& fds, std::vector<std::size_t>& at) {
  std::vector<pollfd> polled;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i] < 0) continue;
    polled.push_back({fds[i], POLLIN, 0});
    at.push_back(i);
  }
  return polled;
}

}  // namespace

process_watch::process_watch(const std::vector<long>& pids) {
  for (long pid : pids) fds_.push_back(open_process(pid));
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

process_watch::~process_watch() {
  for (int fd : fds_)
    if (fd >= 0) close(fd);
  if (stop_fd_ >= 0) close(stop_fd_);
}

bool process_watch::is_watching() const {
  for (int fd : fds_)
    if (fd >= 0) return true;
  return false;
}

std::vector<std::size_t> process_watch::ended() const {
  std::vector<std::size_t> at;
  std::vector<pollfd> polled = watched(fds_, at);
  std::vector<std::size_t> out;
  if (polled.empty() || poll(polled.data(), polled.size(), 0) <= 0) return out;
  for (std::size_t k = 0; k < polled.size(); ++k)
    if (polled[k].revents & POLLIN) out.push_back(at[k]);
  return out;
}

long process_watch::wait_for_end() const {
  std::vector<std::size_t> at;
  std::vector<pollfd> polled = watched(fds_, at);
  if (stop_fd_ < 0 || polled.empty()) return -1;
  polled.push_back({stop_fd_, POLLIN, 0});
  for (;;) {
    const int n = poll(polled.data(), polled.size(), -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || (polled.back().revents & POLLIN)) return -1;
    for (std::size_t k = 0; k + 1 < polled.size(); ++k)
      if (polled[k].revents & POLLIN) return static_cast<long>(at[k]);
    return -1;
  }
}

bool process_watch::wait_for_stop(int ms) const {
  if (stop_fd_ < 0) return false;
  pollfd p{stop_fd_, POLLIN, 0};
  return poll(&p, 1, ms) > 0;
}

void process_watch::stop() {
  const std::uint64_t one = 1;
  if (stop_fd_ >= 0 && write(stop_fd_, &one, sizeof one) < 0) {
    // a full counter: a stop is already there
  }
}

}  // namespace taskhub::detail
