// SPDX-License-Identifier: MIT
// Part of taskhub.
// Misuse that must not compile: a trivially copyable struct holding a pointer, which would cross
// by memcpy and point nowhere on the engine.
#include <taskhub/taskhub.hpp>

struct label {
  const char* text;
  int size;
};

int size_of(label l) { return l.size; }

void misuse(taskhub::hub& hub) { hub.apply<&size_of>(label{"x", 1}); }
