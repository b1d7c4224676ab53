// SPDX-License-Identifier: MIT
// Part of taskhub.
// Scalar attributes: a file's format name, version and counters.
#pragma once

#include <hdf5.h>

#include <optional>
#include <string>

namespace taskhub::detail::hdf5 {

/// Writes the scalar attribute `name` of `type` on `object`; false when HDF5 failed.
bool write_attribute(hid_t object, const char* name, hid_t type, const void* value);

/// Writes `text` as a NUL-terminated fixed-length string attribute; false when HDF5 failed.
bool write_text_attribute(hid_t object, const char* name, const std::string& text);

/// Reads the scalar attribute `name` as `memory_type`; false when it is missing or unreadable.
bool read_attribute(hid_t object, const char* name, hid_t memory_type, void* value);

/// The attribute `name` as text, of fixed or variable length, ASCII or UTF-8; a fixed-length one
/// by its declared size: up to its first NUL, or without its trailing spaces when space-padded.
/// None when it is missing, not one string, or declares more bytes than the file has.
std::optional<std::string> read_text_attribute(hid_t object, const char* name);

}  // namespace taskhub::detail::hdf5
