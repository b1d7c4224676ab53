// SPDX-License-Identifier: MIT
// Part of taskhub.
// Catching a task's fatal signal: the engine reports the task as crashed instead of dying.
#pragma once

#include <setjmp.h>
#include <signal.h>

#include <iterator>
#include <memory>

namespace taskhub::detail {

// A fatal signal inside a task jumps back to the engine loop, which reports the task as crashed
// and retires the engine: its memory may be damaged, so it runs nothing more, and the hub sends
// its other tasks elsewhere.

/// Where a fatal signal on this thread jumps to (null: none; the signal then ends the process).
sigjmp_buf*& crash_landing();

inline constexpr int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};

// Catches fatal signals in this thread while it lives (on an alternate stack, so a stack
// overflow is caught too), and restores the previous handlers after.
class crash_guard {
 public:
  crash_guard();
  ~crash_guard();
  crash_guard(const crash_guard&) = delete;
  crash_guard& operator=(const crash_guard&) = delete;

 private:
  static constexpr std::size_t stack_size = 1 << 16;
  std::unique_ptr<char[]> stack_;
  stack_t old_stack_{};
  struct sigaction old_[std::size(fatal_signals)] {};
};

}  // namespace taskhub::detail
