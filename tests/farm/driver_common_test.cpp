// SPDX-License-Identifier: MIT
// Part of taskhub.
// The drivers' shared reading of numbers and durations, and their text for a terminal.
#include <gtest/gtest.h>

#include "../../drivers/common/parse.hpp"
#include "../../drivers/common/terminal.hpp"

namespace {

// The seconds `text` reads as, or -1 when it is refused (any duration from 0 to 1e7 s).
double seconds(const std::string& text) {
  double x = -1;
  return driver::read_duration(text, 0, false, 1e7, x).empty() ? x : -1;
}

long long whole(const std::string& text) {
  long long x = -1;
  return driver::read_whole(text, 0, 1000, x).empty() ? x : -1;
}

TEST(read_whole, takes_digits_in_range) {
  EXPECT_EQ(whole("0"), 0);
  EXPECT_EQ(whole("7"), 7);
  EXPECT_EQ(whole("1000"), 1000);
  EXPECT_EQ(whole("0007"), 7);
}

TEST(read_whole, refuses_the_rest) {
  for (const char* bad : {"", "-3", "+3", "abc", "1e3", "1e3x", "3.0", " 3", "3 ", "1001",
                          "99999999999", "99999999999999999999999999", "0x10", "nan"}) {
    long long x = 42;
    EXPECT_EQ(driver::read_whole(bad, 0, 1000, x), "a whole number from 0 to 1000") << bad;
    EXPECT_EQ(x, 42) << bad;
  }
}

TEST(read_duration, takes_every_form) {
  EXPECT_DOUBLE_EQ(seconds("90"), 90);
  EXPECT_DOUBLE_EQ(seconds("90s"), 90);
  EXPECT_DOUBLE_EQ(seconds("1m"), 60);
  EXPECT_DOUBLE_EQ(seconds("1.5m"), 90);
  EXPECT_DOUBLE_EQ(seconds("2h"), 7200);
  EXPECT_DOUBLE_EQ(seconds("1:30"), 90);
  EXPECT_DOUBLE_EQ(seconds("0:05.5"), 5.5);
  EXPECT_DOUBLE_EQ(seconds("1:02:03"), 3723);
  EXPECT_DOUBLE_EQ(seconds("0.5"), 0.5);
  EXPECT_DOUBLE_EQ(seconds("0"), 0);
  EXPECT_DOUBLE_EQ(seconds("10000000"), 1e7);
}

TEST(read_duration, refuses_the_rest) {
  for (const char* bad : {"",
                          "-5",
                          "abc",
                          "nan",
                          "inf",
                          "1e3",
                          "1e10",
                          "1e3x",
                          "5x",
                          "5 s",
                          " 5",
                          ".5",
                          "5.",
                          "1:3",
                          "1:60",
                          "1:30x",
                          "1:2:3:4",
                          "1:02:60",
                          "1:30.5:00",
                          "1::30",
                          ":30",
                          "1:",
                          "s",
                          "m",
                          "0x10",
                          "10000001",
                          "2d",
                          "99999999999999999999",
                          "1.0000000001"}) {
    double x = 42;
    EXPECT_FALSE(driver::read_duration(bad, 0, false, 1e7, x).empty()) << bad;
    EXPECT_EQ(x, 42) << bad;
  }
}

TEST(read_duration, says_what_it_accepts) {
  double x = 0;
  EXPECT_EQ(driver::read_duration("0", 0, true, 1e7, x),
            "a duration above 0 s and at most 10000000 s (90, 90s, 1.5m, 1:30 or 2h)");
  EXPECT_EQ(driver::read_duration("0.05", 0.1, false, 1e7, x),
            "a duration from 0.1 s to 10000000 s (90, 90s, 1.5m, 1:30 or 2h)");
}

TEST(printable, escapes_c0_del_and_c1) {
  EXPECT_EQ(driver::printable("a\x1b]0;title\x07z", 100), "a\\x1b]0;title\\x07z");
  EXPECT_EQ(driver::printable("\x1b[2J\x7f", 100), "\\x1b[2J\\x7f");
  EXPECT_EQ(driver::printable("tab\there\r\n", 100), "tab\\there\\r\\n");
  EXPECT_EQ(driver::printable("raw \x9b c1", 100), "raw \\x9b c1");
  EXPECT_EQ(driver::printable("utf-8 \xc2\x9b c1", 100), "utf-8 \\u009b c1");
  EXPECT_EQ(driver::printable("bad \xff\xc3", 100), "bad \\xff\\xc3");
  EXPECT_EQ(driver::printable(std::string("nul\0x", 5), 100), "nul\\x00x");
}

TEST(printable, keeps_text_and_utf8) {
  EXPECT_EQ(driver::printable("caf\xc3\xa9 \xf0\x9f\x98\x80 \xc2\xa0 a\\b", 100),
            "caf\xc3\xa9 \xf0\x9f\x98\x80 \xc2\xa0 a\\b");
}

TEST(printable, cuts_long_text_at_a_character) {
  EXPECT_EQ(driver::printable(std::string(10, 'x'), 4), "xxxx[... 6 more bytes]");
  EXPECT_EQ(driver::printable("ab\xc3\xa9", 3), "ab[... 2 more bytes]");
  EXPECT_EQ(driver::printable("a\x1b", 3), "a[... 1 more bytes]");
  EXPECT_LT(driver::printable(std::string(10 << 20, '\x1b'), 1000).size(), 1100u);
}

}  // namespace
