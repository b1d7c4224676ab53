// SPDX-License-Identifier: MIT
// Part of taskhub.
// A task submits a task with a large result and returns without waiting; the client returns at
// once. The run must still end promptly.
#include <taskhub/taskhub.hpp>

#include <chrono>
#include <thread>
#include <vector>

namespace fire {

std::vector<char> big() {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return std::vector<char>(1 << 20, 'x');
}

int launch() {
  taskhub::engine::hub().apply<&big>();
  return 0;
}

}  // namespace fire

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    hub.apply<&fire::launch>().get();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  });
}
