// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: push of a name without its value.
#include <taskhub/taskhub.hpp>

void misuse(taskhub::hub& hub) { hub.all().push("a", 1, "b"); }
