// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: push of several values whose names are not strings.
#include <taskhub/taskhub.hpp>

void misuse(taskhub::hub& hub) { hub.all().push("a", 1, 2, 3); }
