// SPDX-License-Identifier: MIT
// Part of taskhub.
// A dataflow checkpoint: the stream's position, the stages' states and the outputs so far, in an
// HDF5 file that a kill never leaves half-written.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace taskhub::kernels::detail {

using states = std::map<int, std::string>;  // stage index -> encoded state

struct checkpoint {
  long next_item = 0, batches = 0;
  states stage_states;
  std::string outputs;
};

/// Writes `c` beside `path` and renames it over `path`: a kill leaves the previous one whole.
void write_checkpoint(const std::string& path, const checkpoint& c);
/// The checkpoint at `path`, or none when there is no file; throws for a file that is not one.
std::optional<checkpoint> read_checkpoint(const std::string& path, int stage_count);

}  // namespace taskhub::kernels::detail
