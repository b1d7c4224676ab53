// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the snippets of doc/journal.md use without defining it.
#pragma once

#include <taskhub/taskhub.hpp>
