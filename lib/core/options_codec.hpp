// SPDX-License-Identifier: MIT
// Part of taskhub.
// Task options on the wire, for tasks that tasks submit.
#pragma once

#include "taskhub/detail/codec.hpp"
#include "taskhub/task_options.hpp"

namespace taskhub::detail {

void encode_options(bytes& out, const task_options& opts);
task_options decode_options(reader& in);

}  // namespace taskhub::detail
