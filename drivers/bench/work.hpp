// SPDX-License-Identifier: MIT
// Part of taskhub.
// The work of the standard workloads, shared by taskhub and the raw-MPI baseline.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace taskhub_bench {

/// Tiny task for W1 and W2: returns x * 2 + 1.
inline std::int64_t tiny_work(std::int64_t x) { return x * 2 + 1; }

/// Duration in milliseconds of uneven task i for W3: (i * 37 % 10).
inline double uneven_ms(int i) { return static_cast<double>(i * 37 % 10); }

/// Uneven task for W3: sleeps (does not spin) for uneven_ms(i) milliseconds.
inline void uneven_work(int i) {
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(uneven_ms(i)));
}

/// Task of a set duration for the scaling benchmark's METG: sleeps `ms` milliseconds.
inline void sleep_work(double ms) {
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

/// Bulk task for W4: checksum equal to the sum of the bytes taken as unsigned char.
inline std::uint64_t bytes_work(const char* data, std::size_t n) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<unsigned char>(data[i]);
  return sum;
}

/// Size in bytes of the W4 input buffer (1 MiB).
constexpr std::size_t w4_bytes = 1 << 20;

}  // namespace taskhub_bench
