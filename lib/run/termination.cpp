// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "run/termination.hpp"
#include "core/ending.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace taskhub::detail {
namespace {

int signal_pipe = -1;  // write end, for the handler
struct sigaction previous {};

void on_sigterm(int) {
  mark_ending();
  const int saved = errno;
  const char byte = 1;
  if (signal_pipe >= 0) (void)!write(signal_pipe, &byte, 1);
  errno = saved;
}

}  // namespace

termination_watch::termination_watch(std::function<void()> on_signal)
    : on_signal_(std::move(on_signal)) {
  if (pipe2(pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  signal_pipe = pipe_[1];
  thread_ = std::thread([this] {
    char byte = 0;
    ssize_t n;
    do n = read(pipe_[0], &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1 || byte != 1) return;  // the watch ends
    on_signal_();
    std::fflush(stderr);
    std::signal(SIGTERM, SIG_DFL);
    std::raise(SIGTERM);
  });
  struct sigaction sa {};
  sa.sa_handler = on_sigterm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, &previous);
}

termination_watch::~termination_watch() {
  sigaction(SIGTERM, &previous, nullptr);
  signal_pipe = -1;
  const char byte = 0;
  (void)!write(pipe_[1], &byte, 1);
  thread_.join();
  close(pipe_[0]);
  close(pipe_[1]);
}

}  // namespace taskhub::detail
