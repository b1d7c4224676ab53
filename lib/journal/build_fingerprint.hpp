// SPDX-License-Identifier: MIT
// Part of taskhub.
// What tells one build of a program from another: the journal records it with each run, so a
// resume by a rebuilt program is told rather than served results its functions may not compute.
#pragma once

#include <string>

namespace taskhub::detail {

/// The running executable's build fingerprint: "build-id:HEX", its GNU build-id (the linker's
/// hash of the code), or where it has none "exe-fnv1a:HEX", a hash of /proc/self/exe's bytes.
/// Empty when neither can be read.
std::string build_fingerprint();

}  // namespace taskhub::detail
