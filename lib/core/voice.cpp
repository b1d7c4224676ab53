// SPDX-License-Identifier: MIT
// Part of taskhub.
#include "core/voice.hpp"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace taskhub::detail {
namespace {

std::atomic<voice_level> level{voice_level::info};

// One write(2) per message, so lines of several threads and ranks do not interleave.
void say(const char* format, va_list args) {
  char text[4096];
  const int n = std::vsnprintf(text, sizeof text, format, args);
  if (n < 0) return;
  std::string line = "taskhub: ";
  line.append(text, static_cast<std::size_t>(n) < sizeof text ? static_cast<std::size_t>(n)
                                                               : sizeof text - 1);
  if (line.back() != '\n') line += '\n';
  std::fflush(stderr);
  for (std::size_t at = 0; at < line.size();) {
    const ssize_t w = ::write(STDERR_FILENO, line.data() + at, line.size() - at);
    if (w <= 0) break;
    at += static_cast<std::size_t>(w);
  }
}

}  // namespace

void set_voice_level(voice_level l) { level.store(l); }
voice_level current_voice_level() { return level.load(); }

void say_error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  say(format, args);
  va_end(args);
}

void say_info(const char* format, ...) {
  if (level.load() < voice_level::info) return;
  va_list args;
  va_start(args, format);
  say(format, args);
  va_end(args);
}

void say_debug(const char* format, ...) {
  if (level.load() < voice_level::debug) return;
  va_list args;
  va_start(args, format);
  say(format, args);
  va_end(args);
}

}  // namespace taskhub::detail
