// SPDX-License-Identifier: MIT
// Part of taskhub.
// The memory an engine and its runner process share: a header and the bytes of one exchange (a
// task's function and arguments one way, its outcome the other), in a file that grows to fit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace taskhub::detail {

/// What leads the region. `capacity` is the file's size: the side that grows the file sets it,
/// and the other side maps that much before it reads. The data holds a batch of tasks (their
/// count, then per task its function, the size of its arguments and the arguments), then from
/// `answers_at` the outcome of each task the runner has finished (`done` of them).
struct region_header {
  std::uint64_t capacity;
  std::uint64_t answers_at;    // where the outcomes start in the data
  std::uint64_t answers_size;  // bytes of outcomes written
  std::int32_t rank;           // the engine's rank
  std::uint32_t done;          // tasks of the batch with their outcome written
};

/// An outcome, as the runner writes it, followed by its bytes: the result, the failure's type and
/// message encoded, or for out_of_memory what ran out, as text.
struct region_outcome {
  std::uint32_t kind;  // a region_answer
  std::uint32_t unused;
  std::int64_t started_us, completed_us;
  std::uint64_t size;
};

enum class region_answer : std::uint32_t {
  result = 0,
  failure = 1,
  out_of_memory = 2,
};

class shared_region {
 public:
  static constexpr std::size_t data_offset = 64;
  static constexpr std::size_t initial_capacity = std::size_t(1) << 20;

  /// A new region (throws taskhub::error when the system refuses one).
  shared_region();
  /// The region behind `fd`, which it takes.
  explicit shared_region(int fd);
  ~shared_region();
  shared_region(const shared_region&) = delete;
  shared_region& operator=(const shared_region&) = delete;

  int fd() const { return fd_; }
  region_header& head() { return *reinterpret_cast<region_header*>(map_); }
  char* data() { return map_ + data_offset; }
  /// Makes room for `n` bytes of data, growing the file; false when memory is short.
  bool reserve(std::size_t n);
  /// Maps as much as the other side left in head().capacity; false when memory is short.
  bool follow();
  /// Gives back what a large exchange took (the other side follows before its next read).
  void shrink();

 private:
  bool remap(std::size_t capacity);

  int fd_ = -1;
  char* map_ = nullptr;
  std::size_t mapped_ = 0;
};

}  // namespace taskhub::detail
