// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a string_view argument, which points into the client's memory.
#include <string_view>

#include <taskhub/taskhub.hpp>

std::size_t length(std::string_view s) { return s.size(); }

void misuse(taskhub::hub& hub) { hub.apply<&length>(std::string_view("hello")); }
