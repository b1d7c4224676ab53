// SPDX-License-Identifier: MIT
// Part of taskhub.
// Pass sharing between the hub thread and waiting client threads.
#include "hub/pass_sharing.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/backoff.hpp"

namespace taskhub::detail {
namespace {

thread_local bool is_in_pass_now = false;  // this thread runs a pass: it may not start another
thread_local unsigned submits_since_wait = 0;  // this thread's submissions since it last helped

// While clients help, the hub thread rests in naps. Short naps would cost the helping client:
// each nap's end takes a core from it for a moment.
constexpr std::int64_t rest_ns = 1000000;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool pass_sharing::is_in_pass() { return is_in_pass_now; }
void pass_sharing::set_in_pass(bool is_in) { is_in_pass_now = is_in; }

void pass_sharing::announce_submission() {
  // The hub thread rests for a while after clients helped. If none helps now, a lone submission
  // (the client waited since its last) is sent on its way from here; the second of a burst wakes
  // the hub thread, which then takes the burst as it comes, in parallel.
  if (is_resting_.load(std::memory_order_relaxed) && helpers_.load(std::memory_order_relaxed) == 0 &&
      !is_in_pass_now && t_.is_shareable()) {
    if (submits_since_wait++ == 0) {
      helper_pass();
    } else {
      wake_hub_thread();
    }
    return;
  }
  ++submits_since_wait;
  t_.wake();
}

bool pass_sharing::should_rest(bool has_submissions, bool needs_hub_thread) const {
  const bool is_helped =
      helpers_.load() > 0 ||
      (!has_submissions && steady_ns() - last_help_ns_.load(std::memory_order_relaxed) < rest_ns);
  return is_helped && !needs_hub_thread && !is_hub_thread_waiting_.load(std::memory_order_relaxed);
}

void pass_sharing::rest(const std::function<bool()>& should_rest) {
  is_resting_.store(true);
  if (should_rest()) {
    const timespec ts{0, static_cast<long>(rest_ns)};
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&rest_word_), FUTEX_WAIT_PRIVATE, 0, &ts,
            nullptr, 0);
  }
  is_resting_.store(false);
  rest_word_.store(0);
}

void pass_sharing::wake_hub_thread() {
  if (is_resting_.load() && rest_word_.exchange(1) == 0)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&rest_word_), FUTEX_WAKE_PRIVATE, 1,
            nullptr, nullptr, 0);
  t_.wake();
}

std::unique_lock<std::mutex> pass_sharing::begin_hub_pass() {
  std::unique_lock<std::mutex> lock(pass_m_, std::try_to_lock);
  if (!lock.owns_lock()) {  // a client thread is in a pass: it lets us have the next
    is_hub_thread_waiting_.store(true, std::memory_order_relaxed);
    return lock;
  }
  is_hub_thread_waiting_.store(false, std::memory_order_relaxed);
  if (helper_error_) std::rethrow_exception(helper_error_);
  return lock;
}

// One pass on a helping client thread. A failure is the hub's, not the task's: it goes to the hub
// thread, which ends the run as it does for its own.
bool pass_sharing::helper_pass() {
  std::unique_lock<std::mutex> lock(pass_m_, std::try_to_lock);
  if (!lock.owns_lock() || helper_error_) return false;
  bool did = false, has_failed = false;
  try {
    did = in_pass(helper_pass_);
  } catch (...) {
    helper_error_ = std::current_exception();  // read only under the lock
    has_failed = true;
  }
  lock.unlock();
  if (has_failed) wake_hub_thread();
  return did;
}

bool pass_sharing::help(const std::function<bool()>& is_ready, deadline until) {
  if (is_in_pass_now) return false;
  submits_since_wait = 0;
  struct counted {
    pass_sharing& s;
    explicit counted(pass_sharing& sharing) : s(sharing) { s.helpers_.fetch_add(1); }
    ~counted() {
      s.last_help_ns_.store(steady_ns(), std::memory_order_relaxed);
      s.helpers_.fetch_sub(1);
    }
  } count(*this);
  const bool has_deadline = until != deadline::max();
  backoff wait;
  for (;;) {
    if (is_ready() || (has_deadline && std::chrono::steady_clock::now() >= until)) return true;
    // The hub thread asked for a pass of its own (controls, MPI, the journal): let it have one.
    if (!is_hub_thread_waiting_.load(std::memory_order_relaxed) && helper_pass()) {
      wait.busy();
    } else if (!wait.yield()) {
      return false;  // a long wait: block instead
    }
  }
}

}  // namespace taskhub::detail
