// SPDX-License-Identifier: MIT
// Part of taskhub.
// Writing and mapping a node's copy of a shared object.
#include "core/object_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "taskhub/error.hpp"

namespace taskhub::detail {
namespace {

constexpr const char* memory_name = "taskhub-object";

std::string why(const char* what, std::size_t n) {
  return std::string(what) + " " + std::to_string(n) +
         " bytes of node memory for a shared object: " + std::strerror(errno);
}

}  // namespace

object_memory::object_memory(const char* data, std::size_t n) {
  const int fd = memfd_create(memory_name, MFD_CLOEXEC);
  if (fd < 0) throw error(why("cannot make", n));
  // Written through the descriptor: a full /dev/shm is an error here, not a SIGBUS later.
  std::size_t done = 0;
  while (done < n) {
    const ssize_t k = write(fd, data + done, n - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      const std::string problem = why("cannot write", n);
      close(fd);
      throw error(problem);
    }
    done += static_cast<std::size_t>(k);
  }
  place_ = {static_cast<std::int64_t>(getpid()), fd, n};
}

object_memory::~object_memory() {
  if (place_.fd >= 0) close(static_cast<int>(place_.fd));
}

std::shared_ptr<const void> map_object_memory(const object_place& p, const char*& data) {
  const std::string path = "/proc/" + std::to_string(p.pid) + "/fd/" + std::to_string(p.fd);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw error("cannot open the node's copy of a shared object (" + path +
                "): " + std::strerror(errno) + "; run with --taskhub-node-objects=0");
  const std::size_t n = p.size > 0 ? static_cast<std::size_t>(p.size) : 1;
  void* at = mmap(nullptr, n, PROT_READ, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  close(fd);
  if (at == MAP_FAILED)
    throw error("cannot map the node's copy of a shared object (" + std::to_string(p.size) +
                " bytes): " + std::strerror(map_errno));
  data = static_cast<const char*>(at);
  return std::shared_ptr<const void>(at, [n](const void* a) { munmap(const_cast<void*>(a), n); });
}

bool is_in_object_memory(const void* data) {
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  if (!maps) return false;
  const auto a = reinterpret_cast<std::uintptr_t>(data);
  char line[512];
  bool is_in = false;
  while (!is_in && std::fgets(line, sizeof line, maps)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi)
      is_in = std::strstr(line, memory_name) != nullptr;
  }
  std::fclose(maps);
  return is_in;
}

}  // namespace taskhub::detail
