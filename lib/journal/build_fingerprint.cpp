// SPDX-License-Identifier: MIT
// Part of taskhub.
// The running executable's build fingerprint.
#include "journal/build_fingerprint.hpp"

#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "journal/schema.hpp"

namespace taskhub::detail {
namespace {

std::string hex_of(const unsigned char* bytes, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 15];
  }
  return text;
}

// The GNU build-id note of the first object dl_iterate_phdr reports: the executable.
int find_build_id(dl_phdr_info* info, std::size_t, void* found) {
  auto& id = *static_cast<std::string*>(found);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& h = info->dlpi_phdr[i];
    if (h.p_type != PT_NOTE) continue;
    const char* at = reinterpret_cast<const char*>(info->dlpi_addr + h.p_vaddr);
    const char* const end = at + h.p_memsz;
    while (end - at >= static_cast<std::ptrdiff_t>(sizeof(ElfW(Nhdr)))) {
      ElfW(Nhdr) note;
      std::memcpy(&note, at, sizeof note);
      const char* name = at + sizeof note;
      const char* desc = name + ((note.n_namesz + 3) & ~3u);
      const char* next = desc + ((note.n_descsz + 3) & ~3u);
      if (next > end) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        id = hex_of(reinterpret_cast<const unsigned char*>(desc), note.n_descsz);
        return 1;
      }
      at = next;
    }
  }
  return 1;  // only the executable counts
}

}  // namespace

std::string build_fingerprint() {
  std::string id;
  dl_iterate_phdr(find_build_id, &id);
  if (!id.empty()) return "build-id:" + id;
  std::ifstream exe("/proc/self/exe", std::ios::binary);
  if (!exe) return "";
  const std::vector<char> bytes((std::istreambuf_iterator<char>(exe)),
                                std::istreambuf_iterator<char>());
  const std::uint64_t h = schema::fnv1a(bytes.data(), bytes.size());
  unsigned char be[8];
  for (int i = 0; i < 8; ++i) be[i] = static_cast<unsigned char>(h >> (56 - 8 * i));
  return "exe-fnv1a:" + hex_of(be, 8);
}

}  // namespace taskhub::detail
