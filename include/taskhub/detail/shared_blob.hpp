// SPDX-License-Identifier: MIT
// Part of taskhub.
// An object that crosses to each engine once: its encoding, ready to send as one record, and
// what a task that refers to it writes among its arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "taskhub/detail/codec.hpp"

namespace taskhub::detail {

/// A shared object or a cached argument: an `object` record (wire.hpp) whose task field is the
/// object's id and whose handler field is the type key of its value. Immutable once made; tasks
/// that refer to it hold it until they finish, so the hub can still send it where it is missing.
struct shared_blob {
  std::uint64_t id = 0;
  std::uint64_t type = 0;
  std::size_t size = 0;  // the value's encoding, in bytes
  bytes record;
};
using blob_ptr = std::shared_ptr<const shared_blob>;

/// Makes the blob of an encoded value: `encoding` holds a record header's room, then the value.
/// `id` 0 takes a new id (defined in the runtime).
blob_ptr make_blob(std::uint64_t type, bytes encoding, std::uint64_t id = 0);

/// The objects a task's arguments refer to, and which arguments (by position) are references.
struct object_refs {
  std::uint64_t positions = 0;  // bit i: argument i is an object id
  bool may_cache = true;  // large arguments may go as cached objects (not for isolated tasks)
  std::vector<blob_ptr> objects;
};

/// The id a cached argument of these bytes gets: the same for the same type and bytes, with a
/// top bit apart from shared objects' ids. (defined in the runtime).
std::uint64_t content_id(std::uint64_t type, const char* data, std::size_t n);

/// Whether this thread serves as an engine: tasks that tasks submit carry their arguments whole.
inline thread_local bool is_engine_thread = false;

/// Arguments whose encoding reaches this many bytes are sent once per engine and referred to
/// afterwards; 0 turns the caching off (--taskhub-cache-threshold; defined in the runtime).
std::size_t cache_threshold();
void set_cache_threshold(std::size_t bytes);

/// Whether a large argument of these bytes was seen lately, by a sampled fingerprint; notes it
/// otherwise. Only what was seen goes as a cached object (the policy: shared_blob.cpp).
bool is_seen_lately(std::uint64_t type, const char* data, std::size_t n);

/// The blob of a cached argument, the value `value`: the one already made for the same content
/// while it lives, or a new one with a copy of it. It lives while tasks take it, and while it is
/// among the latest 64 MiB of cached arguments used.
blob_ptr cached_blob(std::uint64_t type, const char* value, std::size_t n);

}  // namespace taskhub::detail
