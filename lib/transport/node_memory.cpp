// SPDX-License-Identifier: MIT
// Part of taskhub.
// Memory the ranks of one node share.
#include "transport/node_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/mpi_check.hpp"
#include "core/node_name.hpp"
#include "taskhub/error.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t part_align = 4096;

std::size_t rounded(std::size_t n) { return (n + part_align - 1) / part_align * part_align; }

// The rank in `comm` of each rank of `part` (a communicator split from it), in `part`'s order.
std::vector<int> ranks_in(MPI_Comm part, MPI_Comm comm) {
  int n = 0;
  MPI_Comm_size(part, &n);
  std::vector<int> own(static_cast<std::size_t>(n)), theirs(own.size());
  for (int i = 0; i < n; ++i) own[static_cast<std::size_t>(i)] = i;
  MPI_Group part_group, comm_group;
  MPI_Comm_group(part, &part_group);
  MPI_Comm_group(comm, &comm_group);
  MPI_Group_translate_ranks(part_group, n, own.data(), comm_group, theirs.data());
  MPI_Group_free(&part_group);
  MPI_Group_free(&comm_group);
  return theirs;
}

// A name no other object on this node has: the creating process's id and a count.
std::string object_name() {
  static std::atomic<unsigned> made{0};
  return "/taskhub-" + std::to_string(getpid()) + "-" + std::to_string(made.fetch_add(1));
}

}  // namespace

node_memory::node_memory(MPI_Comm comm,
                         const std::function<std::size_t(const std::vector<int>&)>& mine) {
  int me = 0, size = 0;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &size);
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, me, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  if (const int per_node = simulated_node_size(); per_node > 0) {  // a node of its own per group
    MPI_Comm group = MPI_COMM_NULL;
    check_mpi(MPI_Comm_split(node, me / per_node, me, &group), "MPI_Comm_split");
    MPI_Comm_free(&node);
    node = group;
  }
  ranks_ = ranks_in(node, comm);
  const auto node_size = ranks_.size();
  unsigned long long asked = rounded(mine(ranks_));
  std::vector<unsigned long long> sizes(node_size);
  check_mpi(MPI_Allgather(&asked, 1, MPI_UNSIGNED_LONG_LONG, sizes.data(), 1,
                          MPI_UNSIGNED_LONG_LONG, node),
            "MPI_Allgather");
  for (auto s : sizes) bytes_ += s;

  // The node's first rank makes the object and says its name (empty: it could not, and why).
  int node_rank = 0;
  MPI_Comm_rank(node, &node_rank);
  char name[64] = {};
  std::string problem;
  if (node_rank == 0 && bytes_ > 0) {
    const std::string n = object_name();
    const int fd = shm_open(n.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(bytes_)) != 0) {
      problem = std::string("cannot make ") + std::to_string(bytes_) +
                " bytes of shared memory in /dev/shm: " + std::strerror(errno);
      if (fd >= 0) shm_unlink(n.c_str());
    } else {
      std::strncpy(name, n.c_str(), sizeof name - 1);
    }
    if (fd >= 0) close(fd);
  }
  check_mpi(MPI_Bcast(name, sizeof name, MPI_CHAR, 0, node), "MPI_Bcast");
  int is_mapped = 1;
  if (bytes_ > 0 && name[0] != '\0') {
    const int fd = shm_open(name, O_RDWR, 0600);
    if (fd >= 0) {
      base_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      close(fd);
    }
    if (fd < 0 || base_ == MAP_FAILED) {
      base_ = nullptr;
      is_mapped = 0;
      problem =
          std::string("cannot map the node's shared memory ") + name + ": " + std::strerror(errno);
    }
  } else if (bytes_ > 0) {
    is_mapped = 0;
  }
  // Once every rank has it mapped, the name goes: the memory lives while a rank maps it.
  int is_everywhere = is_mapped;
  check_mpi(MPI_Allreduce(&is_mapped, &is_everywhere, 1, MPI_INT, MPI_MIN, node), "MPI_Allreduce");
  if (node_rank == 0 && name[0] != '\0') shm_unlink(name);
  MPI_Comm_free(&node);
  if (!is_everywhere) {
    if (base_) munmap(base_, bytes_);
    base_ = nullptr;
    throw error(problem.empty() ? "another rank of this node could not map its shared memory"
                                : problem);
  }
  parts_.assign(static_cast<std::size_t>(size), nullptr);
  std::size_t at = 0;
  for (std::size_t i = 0; i < node_size; ++i) {
    if (sizes[i] > 0) parts_[static_cast<std::size_t>(ranks_[i])] = static_cast<char*>(base_) + at;
    at += sizes[i];
  }
}

node_memory::~node_memory() {
  if (base_) munmap(base_, bytes_);
}

}  // namespace taskhub::detail
