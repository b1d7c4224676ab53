// SPDX-License-Identifier: MIT
// Part of taskhub.
// Finding a command's leftover processes under /proc, and ending them: SIGTERM, then SIGKILL.
#include "reaper.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace farm {
namespace {

std::mutex table_lock;   // guards the three below, and starting and reaping children
std::set<pid_t> shells;  // started by the farm and not reaped yet
std::set<pid_t> own;     // children from before the first command (Open MPI's orted, say)
int running = 0;         // commands of this process
unsigned long started_commands = 0;

// The whole of a small file (at most `limit` bytes), or "" if it cannot be read.
std::string read_file(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buffer[4096];
  ssize_t got;
  while (text.size() < limit &&
         ((got = ::read(fd, buffer, sizeof buffer)) > 0 || (got < 0 && errno == EINTR)))
    if (got > 0) text.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  return text;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    ::closedir(d);
  }
  return names;
}

// The children of `pid`: every thread's, from /proc/PID/task/TID/children, or, where the kernel
// has no such files, from the parent field of every process's /proc/PID/stat.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  const std::string task = "/proc/" + std::to_string(pid) + "/task/";
  static const bool has_children_files =
      ::access(("/proc/self/task/" + std::to_string(::gettid()) + "/children").c_str(), R_OK) == 0;
  if (has_children_files) {
    for (const auto& tid : entries(task)) {
      const std::string text = read_file(task + tid + "/children", 1 << 20);
      for (const char* p = text.c_str(); *p;) {
        char* end = nullptr;
        const long child = std::strtol(p, &end, 10);
        if (end == p) break;
        out.push_back(static_cast<pid_t>(child));
        p = end;
      }
    }
    return out;
  }
  for (const auto& name : entries("/proc")) {
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_file("/proc/" + name + "/stat", 4096);
    const auto paren = stat.rfind(')');  // the name in parentheses may hold anything
    if (paren == std::string::npos || paren + 4 >= stat.size()) continue;
    if (std::atol(stat.c_str() + paren + 4) == pid) out.push_back(std::atoi(name.c_str()));
  }
  return out;
}

// `pid` and its descendants, into `out`.
void with_descendants(pid_t pid, std::vector<pid_t>& out) {
  if (std::find(out.begin(), out.end(), pid) != out.end()) return;
  out.push_back(pid);
  for (pid_t child : children_of(pid)) with_descendants(child, out);
}

bool has_variable(pid_t pid, const std::string& assignment) {
  const std::string environment =
      read_file("/proc/" + std::to_string(pid) + "/environ", std::size_t(8) << 20);
  for (std::size_t at = 0; at < environment.size();) {
    const std::size_t end = std::min(environment.find('\0', at), environment.size());
    if (environment.compare(at, end - at, assignment) == 0) return true;
    at = end + 1;
  }
  return false;
}

}  // namespace

command_processes::command_processes() {
  std::lock_guard<std::mutex> hold(table_lock);
  if (started_commands == 0) {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    for (pid_t child : children_of(::getpid())) own.insert(child);
  }
  ++running;
  marker_ = "TASKHUB_FARM_COMMAND=" + std::to_string(::getpid()) + "." +
            std::to_string(++started_commands);
}

command_processes::~command_processes() {
  std::lock_guard<std::mutex> hold(table_lock);
  --running;
  if (shell_ > 0) shells.erase(shell_);
}

int command_processes::start(const std::function<int(pid_t&)>& spawn) {
  std::lock_guard<std::mutex> hold(table_lock);
  pid_t pid = -1;
  const int error = spawn(pid);
  if (error == 0) shells.insert(shell_ = pid);
  return error;
}

void command_processes::reaped() {
  std::lock_guard<std::mutex> hold(table_lock);
  shells.erase(shell_);
  shell_ = -1;
}

void command_processes::end_rest(std::chrono::steady_clock::time_point kill_at) {
  const pid_t self = ::getpid();
  bool is_term_sent = false;
  auto nap = std::chrono::milliseconds(1);
  for (;;) {
    std::vector<pid_t> leftovers;
    {
      std::lock_guard<std::mutex> hold(table_lock);
      const bool is_alone = running == 1;
      for (pid_t child : children_of(self)) {
        if (shells.count(child) || own.count(child)) continue;
        if (::waitpid(child, nullptr, WNOHANG) == child) continue;  // ended; now reaped
        if (is_alone || has_variable(child, marker_)) with_descendants(child, leftovers);
      }
    }
    const int signal = !is_term_sent                                 ? SIGTERM
                       : std::chrono::steady_clock::now() >= kill_at ? SIGKILL
                                                                     : 0;
    if (!is_term_sent && shell_ > 0) ::kill(-shell_, SIGTERM);  // the group, wherever it is
    is_term_sent = true;
    // What SIGKILL has not ended in 10 s is stuck in the kernel: it is left to itself.
    if (leftovers.empty() || std::chrono::steady_clock::now() > kill_at + std::chrono::seconds(10))
      return;
    if (signal == SIGKILL && shell_ > 0) ::kill(-shell_, SIGKILL);
    if (signal != 0)
      for (pid_t pid : leftovers) ::kill(pid, signal);
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace farm
