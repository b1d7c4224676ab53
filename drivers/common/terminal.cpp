// SPDX-License-Identifier: MIT
// Part of taskhub.
// Escaping control characters and cutting long text for the drivers' messages; whether a
// person sees what a driver writes.
#include "terminal.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include <unistd.h>

namespace driver {
namespace {

// Bytes of the UTF-8 character at `at`, 0 if none starts there (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view t, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(t[i]); };
  const unsigned char c = byte(at);
  std::size_t n = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (at + n > t.size() || byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    char piece[8];
    std::size_t used = 1;
    if (c == '\n' || c == '\r' || c == '\t') {
      piece[0] = '\\';
      piece[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
      piece[2] = '\0';
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(piece, sizeof piece, "\\x%02x", c);
    } else if (c < 0x80) {
      piece[0] = static_cast<char>(c);
      piece[1] = '\0';
    } else if ((used = utf8_length(text, at)) == 0) {
      used = 1;
      std::snprintf(piece, sizeof piece, "\\x%02x", c);
    } else if (c == 0xC2 && static_cast<unsigned char>(text[at + 1]) < 0xA0) {  // U+0080..U+009F
      std::snprintf(piece, sizeof piece, "\\u%04x", static_cast<unsigned char>(text[at + 1]));
    } else {
      text.copy(piece, used, at);
      piece[used] = '\0';
    }
    const std::string_view p(piece);
    if (out.size() + p.size() > max_bytes) break;
    out += p;
    at += used;
  }
  if (at < text.size()) out += "[... " + std::to_string(text.size() - at) + " more bytes]";
  return out;
}

namespace {

// The parent of process `pid` and its name (empty: unknown), from /proc.
std::pair<long, std::string> parent_of(long pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return {0, ""};
  char text[512] = {};
  const std::size_t n = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  const std::string stat(text, n);
  // pid (comm) state ppid ...: comm may hold spaces and parentheses; the last ')' ends it.
  const auto open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 4 > stat.size()) return {0, ""};
  return {std::atol(stat.c_str() + close + 4), stat.substr(open + 1, close - open - 1)};
}

std::string name_of(long pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/comm").c_str(), "r");
  if (!f) return "";
  char text[64] = {};
  if (!std::fgets(text, sizeof text, f)) text[0] = '\0';
  std::fclose(f);
  std::string name(text);
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

bool is_terminal_path(const std::string& path) {
  return path.rfind("/dev/pts/", 0) == 0 || path.rfind("/dev/tty", 0) == 0;
}

}  // namespace

bool is_seen_on_terminal(int fd) {
  if (::isatty(fd)) return true;
  const long parent = parent_of(::getpid()).first;
  if (parent <= 1) return false;
  const std::string name = name_of(parent);
  if (name != "mpirun" && name != "mpiexec" && name != "orterun" && name != "prterun") return false;
  char target[256] = {};
  const std::string link = "/proc/" + std::to_string(parent) + "/fd/2";
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  return n > 0 && is_terminal_path(std::string(target, static_cast<std::size_t>(n)));
}

}  // namespace driver
