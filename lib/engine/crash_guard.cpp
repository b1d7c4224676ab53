// SPDX-License-Identifier: MIT
// Part of taskhub.
// Catching a task's fatal signal.
#include "engine/crash_guard.hpp"

#include <csignal>

namespace taskhub::detail {
namespace {

thread_local sigjmp_buf* landing = nullptr;

extern "C" void on_fatal_signal(int sig) {
  if (landing) siglongjmp(*landing, sig);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

sigjmp_buf*& crash_landing() { return landing; }

crash_guard::crash_guard() : stack_(std::make_unique<char[]>(stack_size)) {
  stack_t alt{};
  alt.ss_sp = stack_.get();
  alt.ss_size = stack_size;
  sigaltstack(&alt, &old_stack_);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < std::size(fatal_signals); ++i) sigaction(fatal_signals[i], &sa, &old_[i]);
}

crash_guard::~crash_guard() {
  for (std::size_t i = 0; i < std::size(fatal_signals); ++i) sigaction(fatal_signals[i], &old_[i], nullptr);
  sigaltstack(&old_stack_, nullptr);
}

}  // namespace taskhub::detail
