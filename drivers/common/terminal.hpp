// SPDX-License-Identifier: MIT
// Part of taskhub.
// Text from files, commands and arguments made safe and short for one line on a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace driver {

/// `text` with every control character shown as an escape instead of acting on the terminal:
/// C0 and DEL as \n, \r, \t or \xHH; C1 (U+0080 to U+009F) as \u0080..\u009f when written as
/// UTF-8 and as \x80..\x9f as raw bytes; any other byte that is not UTF-8 as \xHH. Longer than
/// `max_bytes`, it is cut at a character and ends with "[... N more bytes]".
std::string printable(std::string_view text, std::size_t max_bytes);

/// Whether what this process writes to `fd` reaches a person's terminal: `fd` is one, or this is
/// a rank that mpirun (or mpiexec, orterun, prterun) started on its own node from a terminal, so
/// that mpirun passes the output on to it.
bool is_seen_on_terminal(int fd);

}  // namespace driver
