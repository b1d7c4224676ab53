// SPDX-License-Identifier: MIT
// Part of taskhub.
// The table of shipped functions every rank builds at start-up.
#pragma once

#include <cstdint>
#include <string>

#include "taskhub/detail/function.hpp"

namespace taskhub::detail {

struct handler_entry {
  std::uint64_t id;
  std::string stable_name;  // the mangled name the id is hashed from
  invoke_fn invoke;
};

/// Ends registration: from now on lookups take no lock. Called once the ranks have compared
/// their tables; a handler registered later (say, by a library loaded at run time) is refused.
void freeze_handlers();

/// The handler registered under `id`, or null.
const handler_entry* find_handler(std::uint64_t id);

/// A digest of every registered id, equal on ranks that run the same binary.
struct table_digest {
  std::uint64_t hash;
  std::uint64_t count;
};
table_digest handler_table_digest();

/// A handler id as text: "0x0123456789abcdef".
std::string handler_id_text(std::uint64_t id);

/// Empty, or one line naming two different functions that share a stable name or an id.
std::string handler_conflicts();

}  // namespace taskhub::detail
