// SPDX-License-Identifier: MIT
// Part of taskhub.
// Writing and mapping a node's copy of a shared object.
#include "core/object_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "core/mpi_check.hpp"
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
  // Written through the descriptor: memory short is an error here, not a SIGBUS later.
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
  void* at = mmap(nullptr, n, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);  // no fault per page
  const int map_errno = errno;
  close(fd);
  if (at == MAP_FAILED)
    throw error("cannot map the node's copy of a shared object (" + std::to_string(p.size) +
                " bytes): " + std::strerror(map_errno));
  data = static_cast<const char*>(at);
  return std::shared_ptr<const void>(at, [n](const void* a) { munmap(const_cast<void*>(a), n); });
}

std::vector<bool> object_memory_reach(MPI_Comm comm, const std::vector<int>& center) {
  int rank = 0, size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const bool is_center = std::find(center.begin(), center.end(), rank) != center.end();
  // The probe holds a token that a process of another machine, which happens to have the same
  // pid and descriptor, does not.
  struct probe_place {
    object_place place;
    std::uint64_t token = 0;
  } mine;
  std::unique_ptr<object_memory> probe;
  if (is_center) {
    mine.token =
        std::random_device()() * 0x9e3779b97f4a7c15ull ^ static_cast<std::uint64_t>(getpid());
    try {
      probe = std::make_unique<object_memory>(reinterpret_cast<const char*>(&mine.token),
                                              sizeof mine.token);
      mine.place = probe->place();
    } catch (const std::exception&) {  // no copies from this rank
    }
  }
  std::vector<probe_place> places(static_cast<std::size_t>(size));
  check_mpi(MPI_Allgather(&mine, sizeof mine, MPI_BYTE, places.data(), sizeof mine, MPI_BYTE, comm),
            "MPI_Allgather");
  int can = 0;
  const int c =
      rank < static_cast<int>(center.size()) ? center[static_cast<std::size_t>(rank)] : -1;
  if (c >= 0 && c < size && places[static_cast<std::size_t>(c)].place.fd >= 0) {
    const auto& theirs = places[static_cast<std::size_t>(c)];
    try {
      const char* data = nullptr;
      auto map = map_object_memory(theirs.place, data);
      can = std::memcmp(data, &theirs.token, sizeof theirs.token) == 0 ? 1 : 0;
    } catch (const std::exception&) {
    }
  }
  std::vector<int> all(static_cast<std::size_t>(size));
  check_mpi(MPI_Allgather(&can, 1, MPI_INT, all.data(), 1, MPI_INT, comm), "MPI_Allgather");
  return std::vector<bool>(all.begin(), all.end());
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
