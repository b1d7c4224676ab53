// SPDX-License-Identifier: MIT
// Part of taskhub.
// The memory an engine and its runner process share.
#include "engine/shared_region.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "taskhub/error.hpp"

namespace taskhub::detail {
namespace {

constexpr std::size_t shrink_above = std::size_t(32) << 20;

std::size_t page_rounded(std::size_t n) {
  const std::size_t page = 4096;
  return (n + page - 1) / page * page;
}

}  // namespace

shared_region::shared_region() : fd_(memfd_create("taskhub-runner", MFD_CLOEXEC)) {
  if (fd_ < 0 || ftruncate(fd_, initial_capacity) != 0 || !remap(initial_capacity)) {
    const std::string why = std::strerror(errno);
    if (fd_ >= 0) close(fd_);
    throw error("cannot make the memory an engine shares with its runner: " + why);
  }
  head() = region_header{initial_capacity, 0, 0, 0, 0};
}

shared_region::shared_region(int fd) : fd_(fd) {
  if (!remap(initial_capacity) || !follow()) _exit(121);  // a runner without its region is no use
}

shared_region::~shared_region() {
  if (map_) munmap(map_, mapped_);
  if (fd_ >= 0) close(fd_);
}

bool shared_region::remap(std::size_t capacity) {
  void* p = map_ ? mremap(map_, mapped_, capacity, MREMAP_MAYMOVE)
                 : mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) return false;
  map_ = static_cast<char*>(p);
  mapped_ = capacity;
  return true;
}

bool shared_region::reserve(std::size_t n) {
  if (data_offset + n <= mapped_) return true;
  const std::size_t capacity = page_rounded(std::max(2 * mapped_, data_offset + n));
  if (ftruncate(fd_, static_cast<off_t>(capacity)) != 0) return false;
  if (!remap(capacity)) return false;
  head().capacity = capacity;
  return true;
}

bool shared_region::follow() {
  const std::size_t capacity = head().capacity;
  return capacity == mapped_ || remap(capacity);
}

void shared_region::shrink() {
  if (mapped_ <= shrink_above || !remap(initial_capacity)) return;
  head().capacity = initial_capacity;
  (void)ftruncate(fd_, initial_capacity);
}

}  // namespace taskhub::detail
