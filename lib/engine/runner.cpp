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
#include <chrono>
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

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string out_of_memory(std::size_t limit) {
  if (limit == 0) return "out of memory";
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

std::string runner::limit_text() const { return out_of_memory(memory_limit_); }

void runner::run(const std::vector<runner_task>& tasks, int rank, const take_fn& take) {
  std::size_t from = 0;
  auto fail = [&](const std::string& type, const std::string& message) {
    runner_outcome o;
    o.failure = {type, message};
    take(from++, o);
  };
  while (from < tasks.size()) {
    if (pid_ == 0) start();
    shared_region& r = *region_;
    std::size_t request = sizeof(std::uint32_t);
    for (std::size_t i = from; i < tasks.size(); ++i)
      request += 2 * sizeof(std::uint64_t) + tasks[i].size;
    if (!r.reserve(request)) {
      fail(failure::message_too_large,
           "the engine has no memory to pass " + std::to_string(request) + " bytes to its runner");
      continue;
    }
    char* at = r.data();
    const auto count = static_cast<std::uint32_t>(tasks.size() - from);
    std::memcpy(at, &count, sizeof count);
    at += sizeof count;
    for (std::size_t i = from; i < tasks.size(); ++i) {
      const std::uint64_t fields[2] = {tasks[i].handler, tasks[i].size};
      std::memcpy(at, fields, sizeof fields);
      at += sizeof fields;
      if (tasks[i].size > 0) std::memcpy(at, tasks[i].args, tasks[i].size);
      at += tasks[i].size;
    }
    r.head().answers_at = (request + 7) / 8 * 8;
    r.head().answers_size = 0;
    r.head().rank = rank;
    r.head().done = 0;
    const bool is_alive = say(socket_) && hear(socket_);
    if (!r.follow()) {  // the runner is idle or gone: ask again with a new one
      const std::string why = "the engine has no memory to take the " +
                              std::to_string(r.head().capacity) + " bytes its runner answered";
      end_of_runner();
      fail(failure::message_too_large, why);
      continue;
    }
    const char* answer = r.data() + r.head().answers_at;
    for (std::uint32_t i = 0; i < r.head().done; ++i) {
      region_outcome head;
      std::memcpy(&head, answer, sizeof head);
      answer += sizeof head;
      runner_outcome o;
      o.started_us = head.started_us;
      o.completed_us = head.completed_us;
      switch (static_cast<region_answer>(head.kind)) {
        case region_answer::result:
          o.result = answer;
          o.size = head.size;
          break;
        case region_answer::failure: {
          reader in(answer, head.size);
          o.failure.type = decode<std::string>(in);
          o.failure.message = decode<std::string>(in);
          break;
        }
        case region_answer::out_of_memory:
          o.failure = {failure::out_of_memory, std::string(answer, head.size)};
          break;
      }
      answer += head.size;
      take(from++, o);
    }
    if (!is_alive) {
      const std::string how = end_of_runner();
      if (from < tasks.size()) fail(failure::task_crash, how);
    } else if (r.head().done < count) {  // it could not map the batch, or write an outcome
      fail(failure::out_of_memory, limit_text() + ": the task's arguments or result do not fit");
    }
    if (region_) region_->shrink();
  }
}

std::string describe_end(int status) {
  if (status != -1 && WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (status == -1 || !WIFSIGNALED(status)) return "ended for a reason it could not learn";
  const int sig = WTERMSIG(status);
  if (sig == SIGABRT) return "aborted (SIGABRT)";
  if (sig == SIGKILL) return "killed by SIGKILL (probably the out-of-memory killer)";
  const char* name = sigabbrev_np(sig);
  return "killed by signal " + std::to_string(sig) +
         (name ? " (SIG" + std::string(name) + ")" : "");
}

int isolated_rank() { return runner_rank; }

void serve_runner(int region_fd, int socket_fd, std::size_t memory_limit) {
  fcntl(region_fd, F_SETFD, FD_CLOEXEC);  // a task's child processes must not hold them
  fcntl(socket_fd, F_SETFD, FD_CLOEXEC);
  shared_region region(region_fd);
  struct task {
    std::uint64_t handler;
    std::size_t at, size;  // where its arguments are in the data (the data may move)
  };
  std::vector<task> tasks;
  bytes out;
  for (;;) {
    if (!hear(socket_fd)) {
      std::fflush(nullptr);
      _exit(0);
    }
    if (region.follow()) {
      tasks.clear();
      std::uint32_t count = 0;
      std::memcpy(&count, region.data(), sizeof count);
      std::size_t at = sizeof count;
      for (std::uint32_t i = 0; i < count; ++i) {
        std::uint64_t fields[2];
        std::memcpy(fields, region.data() + at, sizeof fields);
        at += sizeof fields;
        tasks.push_back({fields[0], at, fields[1]});
        at += fields[1];
      }
      runner_rank = region.head().rank;
      for (const task& t : tasks) {
        out.clear();
        auto kind = region_answer::result;
        auto fail = [&](const std::string& type, const std::string& message) {
          out.clear();
          kind = region_answer::failure;
          encode(out, type);
          encode(out, message);
        };
        const std::int64_t started = now_us();
        try {
          reader in(region.data() + t.at, t.size);
          const handler_entry* e = find_handler(t.handler);
          if (!e) throw error("the runner has no function with id " + handler_id_text(t.handler));
          e->invoke(in, out);
        } catch (const std::bad_alloc& ex) {
          if (memory_limit > 0) {
            const std::string what = out_of_memory(memory_limit);
            out.clear();
            kind = region_answer::out_of_memory;
            put_raw(out, what.data(), what.size());
          } else {
            fail(exception_type_name(ex), ex.what());
          }
        } catch (const std::exception& ex) {
          fail(exception_type_name(ex), ex.what());
        } catch (...) {
          fail("unknown exception", "a value that is not a std::exception was thrown");
        }
        region_outcome o{static_cast<std::uint32_t>(kind), 0, started, now_us(), out.size()};
        const std::size_t written = region.head().answers_at + region.head().answers_size;
        if (!region.reserve(written + sizeof o + out.size())) break;  // the engine says so
        char* p = region.data() + written;
        std::memcpy(p, &o, sizeof o);
        if (!out.empty()) std::memcpy(p + sizeof o, out.data(), out.size());
        region.head().answers_size += sizeof o + out.size();
        ++region.head().done;
        if (out.capacity() > (std::size_t(32) << 20)) bytes().swap(out);
      }
    }
    std::fflush(nullptr);
    if (!say(socket_fd)) _exit(0);
  }
}

}  // namespace taskhub::detail
