// SPDX-License-Identifier: MIT
// Part of taskhub.
// The runtime's building blocks that need no MPI: a lane's ring, the block pool, the codec.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "transport/lane.hpp"
#include "taskhub/detail/block_pool.hpp"
#include "taskhub/detail/codec.hpp"
#include "taskhub/error.hpp"
#include "taskhub/run.hpp"

namespace {

using taskhub::detail::lane;

struct lane_memory {
  explicit lane_memory(std::size_t bytes) : storage(new std::uint64_t[bytes / 8 + 16]) {
    auto at = reinterpret_cast<std::uintptr_t>(storage.get());
    l = lane::format(reinterpret_cast<void*>((at + 63) & ~std::uintptr_t(63)), bytes);
  }
  std::unique_ptr<std::uint64_t[]> storage;
  lane* l;
};

std::string message(int i) { return std::string(static_cast<std::size_t>(1 + (i * 37) % 900), static_cast<char>('a' + i % 26)) + std::to_string(i); }

TEST(lane, keeps_order_and_bytes_across_many_wraps) {
  lane_memory m(4096 + 256);  // a 4 KiB ring: every few messages wrap around
  std::deque<std::string> in_flight;
  int written = 0, read = 0;
  while (read < 5000) {
    // Write until the lane is full, then read some back.
    while (written < 5000) {
      const std::string s = message(written);
      if (!m.l->write(lane::kind::message, s.data(), s.size())) break;
      in_flight.push_back(s);
      ++written;
    }
    for (int k = 0; k < 3; ++k) {
      lane::entry e;
      if (!m.l->peek(e)) break;
      ASSERT_EQ(e.what, lane::kind::message);
      ASSERT_EQ(std::string(e.data, e.size), in_flight.front()) << "message " << read;
      m.l->pop();
      in_flight.pop_front();
      ++read;
    }
  }
  lane::entry e;
  EXPECT_FALSE(m.l->peek(e));
  EXPECT_TRUE(m.l->is_empty());
}

TEST(lane, refuses_what_does_not_fit) {
  lane_memory m(4096 + 256);
  const std::vector<char> big(m.l->largest() + 1, 'x');
  EXPECT_FALSE(m.l->write(lane::kind::message, big.data(), big.size()));
  const std::vector<char> fits(m.l->largest(), 'y');
  int n = 0;
  while (m.l->write(lane::kind::message, fits.data(), fits.size())) ++n;
  EXPECT_GE(n, 3);  // a quarter of the ring each, less their marks
  lane::entry e;
  ASSERT_TRUE(m.l->peek(e));
  m.l->pop();
  EXPECT_TRUE(m.l->write(lane::kind::message, fits.data(), fits.size()));
}

TEST(lane, carries_markers_and_empty_messages) {
  lane_memory m(4096 + 256);
  const std::uint64_t size = 123456789;
  ASSERT_TRUE(m.l->write(lane::kind::message, nullptr, 0));
  ASSERT_TRUE(m.l->write(lane::kind::via_mpi, &size, sizeof size));
  lane::entry e;
  ASSERT_TRUE(m.l->peek(e));
  EXPECT_EQ(e.what, lane::kind::message);
  EXPECT_EQ(e.size, 0u);
  m.l->pop();
  ASSERT_TRUE(m.l->peek(e));
  EXPECT_EQ(e.what, lane::kind::via_mpi);
  std::uint64_t got = 0;
  std::memcpy(&got, e.data, sizeof got);
  EXPECT_EQ(got, size);
}

TEST(lane, one_writer_thread_and_one_reader_thread) {
  lane_memory m(64 * 1024 + 256);
  constexpr int count = 200000;
  std::thread writer([&] {
    for (int i = 0; i < count;) {
      const std::string s = message(i);
      if (m.l->write(lane::kind::message, s.data(), s.size())) {
        ++i;
      } else {
        std::this_thread::yield();
      }
    }
  });
  int bad = 0;
  for (int i = 0; i < count;) {
    lane::entry e;
    if (!m.l->peek(e)) {
      std::this_thread::yield();
      continue;
    }
    bad += std::string(e.data, e.size) != message(i);
    m.l->pop();
    ++i;
  }
  writer.join();
  EXPECT_EQ(bad, 0);
}

TEST(block_pool, reuses_blocks_and_takes_them_back_from_any_thread) {
  using taskhub::detail::give_block;
  using taskhub::detail::take_block;
  void* a = take_block(100);
  void* b = take_block(100);
  EXPECT_NE(a, b);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, 100);
  std::memset(b, 2, 100);
  give_block(a, 100);
  EXPECT_EQ(take_block(128), a);  // same size class, freed last: used first
  std::thread other([&] { give_block(b, 100); });
  other.join();
  give_block(a, 100);
  void* big = take_block(taskhub::detail::largest_block + 1);  // beyond the pool: operator new
  std::memset(big, 3, taskhub::detail::largest_block + 1);
  give_block(big, taskhub::detail::largest_block + 1);
}

}  // namespace

// A value encoded as one type and decoded as another is refused, not served.
TEST(codec, refuses_a_value_encoded_as_another_type) {
  using namespace taskhub::detail;
  bytes out;
  encode(out, 41.5);
  reader in(out.data(), out.size());
  EXPECT_THROW(decode_whole<int>(in, "the result"), taskhub::decode_error);
  reader again(out.data(), out.size());
  EXPECT_EQ(decode_whole<double>(again, "the result"), 41.5);
}

// A Boost-encoded value whose string length or element count claims more bytes than the payload
// holds is refused before anything is allocated (found by fuzzing: a length of 2^43 made a
// pair<int, string> allocate 9 TB).
TEST(codec, refuses_lengths_beyond_the_payload_before_allocating) {
  using namespace taskhub::detail;
  const auto refuse = [](bytes b, std::size_t at, std::uint64_t claimed) {
    std::memcpy(b.data() + at, &claimed, sizeof claimed);
    reader in(b.data(), b.size());
    try {
      (void)decode<std::map<int, std::string>>(in);
      ADD_FAILURE() << "a length of " << claimed << " was accepted";
    } catch (const taskhub::decode_error& e) {
      EXPECT_NE(std::string(e.what()).find("claims more than"), std::string::npos) << e.what();
    }
  };
  // Where Boost wrote the 64-bit length `n` (the first such word after the archive's size).
  const auto length_at = [](const bytes& b, std::uint64_t n) {
    for (std::size_t at = 8; at + sizeof n <= b.size(); ++at)
      if (std::memcmp(b.data() + at, &n, sizeof n) == 0) return at;
    ADD_FAILURE() << "no length " << n;
    return std::size_t{0};
  };
  bytes archived;  // a map goes through a Boost archive
  encode(archived, std::map<int, std::string>{{7, "seven"}});
  for (std::uint64_t claimed : {std::uint64_t{6}, std::uint64_t{1} << 43, ~std::uint64_t{0}})
    refuse(archived, length_at(archived, 5), claimed);

  bytes nested;
  encode(nested, std::vector<std::vector<std::string>>{{"a"}, {"b", "c"}});
  reader fine(nested.data(), nested.size());
  EXPECT_EQ(decode<std::vector<std::vector<std::string>>>(fine).size(), 2u);
  const std::uint64_t huge = std::uint64_t{1} << 40;
  std::memcpy(nested.data() + length_at(nested, 2), &huge, sizeof huge);  // the outer count
  reader in(nested.data(), nested.size());
  EXPECT_THROW((void)decode<std::vector<std::vector<std::string>>>(in), taskhub::decode_error);
}

// A program's own arguments come without taskhub's flags, wherever those stand.
TEST(arguments, leave_out_taskhubs_flags) {
  char prog[] = "prog", journal[] = "--taskhub-journal=j.h5", out[] = "out.pgm",
       hwm[] = "--taskhub-hwm=4", width[] = "300";
  char* argv[] = {prog, journal, out, hwm, width, nullptr};
  EXPECT_EQ(taskhub::arguments(5, argv), (std::vector<std::string>{"prog", "out.pgm", "300"}));
}
