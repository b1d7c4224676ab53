// SPDX-License-Identifier: MIT
// Part of taskhub.
// Fuzz target: taskhub-farm's task-file reader, on a file holding the input.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "farm/task_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/taskhub-fuzz-task-file." + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  const farm::task_file file = farm::read_task_file(path);
  for (const auto& t : file.tasks)
    if (t.retries < -1) __builtin_trap();  // the reader's own promise: -1 or a count
  return 0;
}
