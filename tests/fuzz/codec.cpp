// SPDX-License-Identifier: MIT
// Part of taskhub.
// Fuzz target: decoding arguments and results of the types tasks commonly ship. The first byte
// picks the type; the rest is the encoded value.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "taskhub/detail/codec.hpp"

namespace {

template <class T>
void decode_as(const char* data, std::size_t size) {
  taskhub::detail::reader in(data, size);
  try {
    (void)taskhub::detail::decode_whole<T>(in, "the fuzzed value");
  } catch (const taskhub::decode_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char* bytes = reinterpret_cast<const char*>(data) + 1;
  const std::size_t n = size - 1;
  switch (data[0] % 7) {
    case 0: decode_as<std::int64_t>(bytes, n); break;
    case 1: decode_as<std::string>(bytes, n); break;
    case 2: decode_as<std::vector<double>>(bytes, n); break;
    case 3: decode_as<std::vector<std::string>>(bytes, n); break;
    case 4: decode_as<std::map<std::string, int>>(bytes, n); break;
    case 5: decode_as<std::pair<int, std::string>>(bytes, n); break;
    default: decode_as<std::vector<std::vector<int>>>(bytes, n); break;
  }
  return 0;
}
