// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a string_view result, which would point into the engine's
// memory. (A string_view parameter is allowed: it views the argument's bytes in the task.)
#include <string>
#include <string_view>

#include <taskhub/taskhub.hpp>

std::string_view first_word(const std::string& s) { return std::string_view(s).substr(0, 1); }

void misuse(taskhub::hub& hub) { hub.apply<&first_word>(std::string("hello")).get(); }
