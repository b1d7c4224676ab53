// SPDX-License-Identifier: MIT
// Part of taskhub.
// seeds DIR: writes valid inputs for the codec and wire fuzz targets into DIR/codec and
// DIR/wire, so fuzzing starts from what taskhub really sends.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/wire.hpp"

namespace {

using taskhub::detail::bytes;

void write(const std::string& path, const bytes& b) {
  std::ofstream(path, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}

// The codec target's input: the type's number, then the encoded value.
template <class T>
void codec_seed(const std::string& dir, int type, const T& value) {
  bytes b;
  b.push_back(static_cast<char>(type));
  taskhub::detail::encode(b, value);
  write(dir + "/codec/" + std::to_string(type), b);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir + "/codec");
  std::filesystem::create_directories(dir + "/wire");
  codec_seed(dir, 0, std::int64_t{-42});
  codec_seed(dir, 1, std::string("hello, engine"));
  codec_seed(dir, 2, std::vector<double>{1.5, -2.25, 1e300});
  codec_seed(dir, 3, std::vector<std::string>{"a", "", "ccc"});
  codec_seed(dir, 4, std::map<std::string, int>{{"x", 1}, {"y", -2}});
  codec_seed(dir, 5, std::make_pair(7, std::string("seven")));
  codec_seed(dir, 6, std::vector<std::vector<int>>{{1, 2}, {}, {3}});

  // A batch of two records: a task's arguments, and a failure's type and message.
  using namespace taskhub::detail;
  bytes batch;
  auto at = begin_record(batch, record_kind::task, 1, 0x1234);
  encode(batch, std::string("argument"));
  end_record(batch, at);
  at = begin_record(batch, record_kind::failure, 2, 0x1234);
  put_run_times(batch, run_times{});
  encode(batch, std::string("std::runtime_error"));
  encode(batch, std::string("it failed"));
  end_record(batch, at);
  write(dir + "/wire/batch", batch);
  return 0;
}
