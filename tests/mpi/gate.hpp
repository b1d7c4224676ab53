// SPDX-License-Identifier: MIT
// Part of taskhub.
// A gate a test opens from the client and tasks wait for on their engines: a file on the host
// that every rank of a test shares, so the order of events is the test's, not the clock's.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace taskhub_test {

/// On an engine: waits for the gate at `path` to open, at most a minute; returns whether it did.
inline bool wait_for_gate(const std::string& path) {
  for (int i = 0; i < 6000; ++i) {
    if (std::ifstream(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// On the client: a closed gate, named after `name` and this process; removed when it goes.
class gate {
 public:
  explicit gate(const std::string& name)
      : path_(name + "_gate_" + std::to_string(::getpid())) {
    std::remove(path_.c_str());
  }
  ~gate() { std::remove(path_.c_str()); }
  gate(const gate&) = delete;
  gate& operator=(const gate&) = delete;

  const std::string& path() const { return path_; }
  void open() const { std::ofstream(path_) << "open"; }

 private:
  std::string path_;
};

}  // namespace taskhub_test
