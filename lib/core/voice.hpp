// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub's own messages on stderr, each one line starting "taskhub: ", at the level the run asks
// for (--taskhub-log=quiet|info|debug, TASKHUB_LOG).
#pragma once

namespace taskhub::detail {

enum class voice_level { quiet, info, debug };

/// The level of this process's messages (default info); set once at start-up.
void set_voice_level(voice_level level);
voice_level current_voice_level();

/// Always said: the run cannot start, stops, or loses work.
[[gnu::format(printf, 1, 2)]] void say_error(const char* format, ...);
/// Said unless quiet: what the run did on its own that a user should know (a journal repaired,
/// an engine retired, a malformed message dropped).
[[gnu::format(printf, 1, 2)]] void say_info(const char* format, ...);
/// Said at debug only: how the run is set up and how it ended.
[[gnu::format(printf, 1, 2)]] void say_debug(const char* format, ...);

}  // namespace taskhub::detail
