// SPDX-License-Identifier: MIT
// Part of taskhub.
// Results as arguments: a future passed where the shipped function takes its value. The client
// leaves a hole in the arguments and notes the parent in an inputs block at the end of the
// payload; the hub fills the block at dispatch with the bytes it holds, or names the engine that
// kept them, and the engine splices the values into the arguments before the call.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "taskhub/detail/wire.hpp"
#include "taskhub/future.hpp"

namespace taskhub::detail {

template <class A>
struct is_future_arg : std::false_type {};
template <class R>
struct is_future_arg<future<R>> : std::true_type {};

/// A future among the arguments of the call being encoded: where its hole is, and its task.
struct result_arg {
  std::uint64_t at;  // offset in the payload (after the record header)
  task_ptr parent;
};

/// The futures noted while this thread encodes a call's arguments.
inline std::vector<result_arg>& noted_result_args() {
  static thread_local std::vector<result_arg> noted;
  return noted;
}

/// The hook encode_args calls for a future passed where the function takes a `P`.
template <class P, class R>
void note_result_arg(bytes& out, const future<R>& f) {
  static_assert(std::is_same_v<std::decay_t<R>, P>,
                "A future passed as an argument must be a future of the parameter's type: its "
                "result's bytes become the argument.");
  noted_result_args().push_back({out.size() - sizeof(record_header), state_of(f)});
}

/// The built-in task that answers a kept result (defined in the runtime).
std::uint64_t kept_result_handler();

/// Where the value of one input comes from, as the inputs block says.
enum class input_source : std::uint8_t {
  unresolved = 0,  // written by the client; the hub resolves it at dispatch
  carried = 1,     // its bytes follow in the block
  here = 2,        // the engine that runs the task keeps it
  incoming = 3,    // the engine that keeps it sends it to the engine that runs the task
};

/// One entry of an inputs block.
struct input_entry {
  std::uint64_t parent = 0, at = 0;
  input_source source = input_source::unresolved;
  const char* data = nullptr;  // carried bytes
  std::uint64_t size = 0;
};

/// Appends one entry to an inputs block.
inline void put_input(bytes& out, std::uint64_t parent, std::uint64_t at, input_source source,
                      const char* data = nullptr, std::uint64_t size = 0) {
  put_raw(out, &parent, sizeof parent);
  put_raw(out, &at, sizeof at);
  put_raw(out, &source, sizeof source);
  put_raw(out, &size, sizeof size);
  put_raw(out, data, size);
}

/// Closes an inputs block that started at `start` with `count` entries.
inline void end_inputs(bytes& out, std::size_t start, std::uint32_t count) {
  put_raw(out, &count, sizeof count);
  const std::uint64_t size = out.size() - start + sizeof(std::uint64_t);
  put_raw(out, &size, sizeof size);
}

/// The size of the inputs block that ends a payload of `n` bytes.
inline std::uint64_t inputs_block_size(const char* payload, std::size_t n) {
  std::uint64_t size = 0;
  if (n < sizeof size + sizeof(std::uint32_t)) throw decode_error("inputs block truncated");
  std::memcpy(&size, payload + n - sizeof size, sizeof size);
  if (size > n || size < sizeof size + sizeof(std::uint32_t))
    throw decode_error("inputs block overruns its payload");
  return size;
}

/// The entries of the inputs block that ends a payload of `n` bytes.
inline std::vector<input_entry> read_inputs(const char* payload, std::size_t n) {
  const std::uint64_t size = inputs_block_size(payload, n);
  const char* end = payload + n - sizeof(std::uint64_t) - sizeof(std::uint32_t);
  std::uint32_t count = 0;
  std::memcpy(&count, end, sizeof count);
  reader in(payload + n - size, static_cast<std::size_t>(end - (payload + n - size)));
  std::vector<input_entry> entries(count);
  for (auto& e : entries) {
    in.get(&e.parent, sizeof e.parent);
    in.get(&e.at, sizeof e.at);
    in.get(&e.source, sizeof e.source);
    in.get(&e.size, sizeof e.size);
    e.data = in.take(e.size);
  }
  return entries;
}

/// Ends the arguments of `t` with the inputs block of the futures noted while they were
/// encoded (none: nothing); `shift`: bytes inserted before the arguments since (the word of
/// object positions).
inline void take_result_args(task_data& t, std::size_t shift = 0) {
  auto& noted = noted_result_args();
  if (noted.empty()) return;
  if (t.target >= 0) {
    noted.clear();
    throw error("a future passed as an argument needs a load-balanced task (hub.apply, or "
                "hub.load_balanced_view({rank}) to choose the engine): a direct task does not "
                "wait for its parents");
  }
  const auto start = t.request.size();
  for (const auto& n : noted) {
    put_input(t.request, n.parent->id, n.at + shift, input_source::unresolved);
    t.inputs.push_back(n.parent);
  }
  end_inputs(t.request, start, static_cast<std::uint32_t>(noted.size()));
  set_flags(t.request, 0, flags_of(t.request.data()) | has_inputs_flag);
  noted.clear();
}

}  // namespace taskhub::detail
