// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the snippets of README.md use without defining it.
#pragma once

#include <taskhub/taskhub.hpp>
