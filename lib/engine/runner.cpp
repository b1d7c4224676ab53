// SPDX-License-Identifier: MIT
// Part of taskhub.
// A runner: the process in which an engine runs its isolated tasks.
#include "engine/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "core/registry.hpp"
#include "engine/zygote.hpp"
#include "taskhub/error.hpp"

namespace taskhub::detail {
namespace {

int runner_rank = -1;

// One byte, the other side's word; false when the other side has gone.
bool say(int socket) {
  const char word = 1;
  ssize_t n;
  do n = send(socket, &word, 1, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == 1;
}
bool hear(int socket) {
  char word = 0;
  ssize_t n;
  do n = recv(socket, &word, 1, 0);
  while (n < 0 && errno == EINTR);
  return n == 1;
}

std::string out_of_memory(std::size_t limit) {
  return "out of memory (limit " + std::to_string(limit >> 20) + " MiB)";
}

}  // namespace

runner::~runner() {
  if (pid_ == 0) return;
  close(socket_);  // the runner leaves when it reads the end
  try {
    zygote::get()->reap(pid_);
  } catch (const error&) {
  }
}

void runner::start() {
  zygote* z = zygote::get();
  if (!z) throw error("this process has no runners (--taskhub-isolate)");
  region_ = std::make_unique<shared_region>();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throw error(std::string("cannot connect a runner: socketpair: ") + std::strerror(errno));
  try {
    pid_ = z->spawn(region_->fd(), pair[1], memory_limit_);
  } catch (...) {
    close(pair[0]);
    close(pair[1]);
    throw;
  }
  close(pair[1]);  // the runner holds the only other end: its death is our end of file
  socket_ = pair[0];
}

// The runner has died: how, and make way for a new one.
std::string runner::end_of_runner() {
  close(socket_);
  socket_ = -1;
  region_.reset();
  const pid_t pid = pid_;
  pid_ = 0;
  return describe_end(zygote::get()->reap(pid));
}

runner_failure runner::call(std::uint64_t handler, const char* args, std::size_t size, int rank,
                            bytes& out) {
  if (pid_ == 0) start();
  shared_region& r = *region_;
  if (!r.reserve(size))
    return {failure::message_too_large,
            "the engine has no memory to pass " + std::to_string(size) + " bytes to its runner"};
  r.head().handler = handler;
  r.head().size = size;
  r.head().rank = rank;
  if (size > 0) std::memcpy(r.data(), args, size);
  if (!say(socket_) || !hear(socket_)) return {failure::task_crash, end_of_runner()};
  if (!r.follow())
    return {failure::message_too_large, "the engine has no memory to take the " +
                                            std::to_string(r.head().capacity) +
                                            " bytes its runner answered"};
  runner_failure f;
  const auto& h = r.head();
  switch (static_cast<region_answer>(h.kind)) {
    case region_answer::result:
      put_raw(out, r.data(), h.size);
      break;
    case region_answer::failure: {
      reader in(r.data(), h.size);
      f.type = decode<std::string>(in);
      f.message = decode<std::string>(in);
      break;
    }
    case region_answer::out_of_memory:
      f = {failure::out_of_memory, std::string(r.data(), h.size)};
      break;
  }
  r.shrink();
  return f;
}

std::string describe_end(int status) {
  if (status != -1 && WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (status == -1 || !WIFSIGNALED(status)) return "ended for a reason it could not learn";
  const int sig = WTERMSIG(status);
  if (sig == SIGABRT) return "aborted (SIGABRT)";
  if (sig == SIGKILL) return "killed by SIGKILL (probably the out-of-memory killer)";
  const char* name = sigabbrev_np(sig);
  return "killed by signal " + std::to_string(sig) + (name ? " (SIG" + std::string(name) + ")" : "");
}

int isolated_rank() { return runner_rank; }

void serve_runner(int region_fd, int socket_fd, std::size_t memory_limit) {
  fcntl(region_fd, F_SETFD, FD_CLOEXEC);  // a task's child processes must not hold them
  fcntl(socket_fd, F_SETFD, FD_CLOEXEC);
  shared_region region(region_fd);
  bytes out;
  for (;;) {
    if (!hear(socket_fd)) {
      std::fflush(nullptr);
      _exit(0);
    }
    out.clear();
    auto kind = region_answer::result;
    auto fail = [&](const std::string& type, const std::string& message) {
      out.clear();
      kind = region_answer::failure;
      encode(out, type);
      encode(out, message);
    };
    auto short_of_memory = [&](const std::string& what) {
      out.clear();
      kind = region_answer::out_of_memory;
      put_raw(out, what.data(), what.size());
    };
    if (!region.follow()) {
      short_of_memory(out_of_memory(memory_limit) + ": the task's arguments do not fit");
    } else {
      const region_header& h = region.head();
      runner_rank = h.rank;
      try {
        reader in(region.data(), h.size);
        const handler_entry* e = find_handler(h.handler);
        if (!e) throw error("the runner has no function with id " + handler_id_text(h.handler));
        e->invoke(in, out);
      } catch (const std::bad_alloc& ex) {
        if (memory_limit > 0) {
          short_of_memory(out_of_memory(memory_limit));
        } else {
          fail(exception_type_name(ex), ex.what());
        }
      } catch (const std::exception& ex) {
        fail(exception_type_name(ex), ex.what());
      } catch (...) {
        fail("unknown exception", "a value that is not a std::exception was thrown");
      }
    }
    if (!region.reserve(out.size()))
      short_of_memory(out_of_memory(memory_limit) + ": the result of " +
                      std::to_string(out.size()) + " bytes does not fit");
    std::memcpy(region.data(), out.data(), out.size());
    region.head().size = out.size();
    region.head().kind = static_cast<std::uint32_t>(kind);
    if (out.capacity() > (std::size_t(64) << 20)) bytes().swap(out);
    std::fflush(nullptr);
    if (!say(socket_fd)) _exit(0);
  }
}

}  // namespace taskhub::detail
