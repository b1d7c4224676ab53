// SPDX-License-Identifier: MIT
// Part of taskhub.
// Fuzz target: a batch of records off the wire, as an engine or the hub walks it, with the
// options of tasks that tasks submit.
#include <cstddef>
#include <cstdint>

#include <exception>

#include "core/options_codec.hpp"
#include "taskhub/detail/codec.hpp"
#include "taskhub/detail/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace taskhub::detail;
  try {
    record_reader batch(reinterpret_cast<const char*>(data), size);
    record_header h;
    const char* payload = nullptr;
    while (batch.next(h, payload)) {
      (void)attempt_of(h);
      (void)has_requirements(h);
      if (h.kind == record_kind::submit) {  // [options length, options, record]
        reader in(payload, h.length);
        try {
          const auto n = decode<std::uint64_t>(in);
          reader options(in.take(n), n);
          (void)decode_options(options);
        } catch (const std::exception&) {  // the hub fails that one task
        }
        continue;
      }
      const outcome_view o = read_outcome(h, payload);
      reader in(o.data, o.size);
      try {  // a failure's type and message, as the hub reads them
        (void)decode<std::string>(in);
        (void)decode<std::string>(in);
      } catch (const taskhub::decode_error&) {
      }
    }
  } catch (const taskhub::decode_error&) {
  }
  return 0;
}
