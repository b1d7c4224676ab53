// SPDX-License-Identifier: MIT
// Part of taskhub.
// The message format and its only owner: a batch is a sequence of records, each a fixed header
// and a payload. Everything that writes or reads a header field goes through the verbs here.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "taskhub/detail/codec.hpp"

namespace taskhub::detail {

enum class record_kind : std::uint32_t {
  task = 1,      // hub -> engine: run handler on payload; flags = attempt (+ option bits)
  result = 2,    // engine -> hub: [started_us, completed_us] + result bytes; flags echoed
  failure = 3,   // engine -> hub: [started_us, completed_us] + type name + message
  stop = 4,      // hub -> engine: finish; payload = exit code
  stop_ack = 5,  // engine -> hub: stopped; nothing more follows
  submit = 6,    // engine -> hub: a task submitted by a task:
                 // [submitting task id, options length, options, record]
  blocked = 7,   // engine -> hub: task `task` waits for tasks it submitted (do not count it for
                 // hwm, unless flags has uncounted_wait_flag: it waits past the engine's depth)
  unblocked = 8, // engine -> hub: it stopped waiting; flags as for blocked
  retire = 9,    // engine -> hub: a task crashed the engine; it runs nothing more
  recall = 10,   // hub -> engine: drop these tasks if not started: [task id, attempt] pairs;
                 // engine -> hub: the answer is complete (after its `dropped` records)
  started = 11,  // engine -> hub: the task started; flags = attempt
  dropped = 12,  // engine -> hub: a recalled task was dropped unstarted; flags = attempt
  died = 13,     // sub-hub -> hub, in the part of the engine it names: that engine's process
                 // ended (the sub-hub watches the processes of its node's engines), and nothing
                 // of it follows; payload = its process id (int64)
  send_kept = 14,  // hub -> engine holding kept results: send the values of these tasks to
                   // engine `flags`; payload = task ids (uint64 each)
  kept = 15,       // engine -> engine: the kept value of task `task`, for a task queued there
  release = 16,    // hub -> engine: drop the kept values of these tasks; payload = task ids
  object = 17,     // hub -> engine: keep a shared object or cached argument; task = its id,
                   // handler = its type key, payload = its encoding; hub -> sub-hub, in a part
                   // addressed to the sub-hub itself: hold it for the engines below
  object_drop = 18,  // hub -> engine: drop the object whose id is `task`; hub -> sub-hub, in a
                     // part addressed to the sub-hub itself: forget it, and tell the sub-hubs
                     // below that hold it
  object_mapped = 19,  // hub or sub-hub -> engine of its node: keep the object whose id is `task`
                       // and type key `handler` by mapping the node's copy; payload = an
                       // object_place (core/object_memory.hpp)
  object_give = 20,    // hub -> sub-hub, in a part addressed to the sub-hub itself: get the
                       // object `task`, which it holds (an `object` part came before), to
                       // engine `flags`
};
// A task's result or failure also says it started; an engine sends `started` only for a task that
// starts while other records wait to go and are due, or on top of a task that waits.
// The hub forwards the result or failure of a task an engine submitted to that engine, with the
// rank of the engine that ran it in `flags`.

struct record_header {
  std::uint64_t task;
  std::uint64_t handler;
  std::uint64_t length;  // payload bytes after this header
  record_kind kind;
  std::uint32_t flags;
};
static_assert(sizeof(record_header) == 32, "record_header must stay 32 bytes");

/// Bits of a task's flags: the payload starts with requirement handler ids; the task runs in its
/// engine's runner process (task_options::isolated). The other bits carry the attempt, so a late
/// answer to an earlier attempt is recognised.
constexpr std::uint32_t has_requirements_flag = 1u << 31;
constexpr std::uint32_t isolated_flag = 1u << 30;
/// Bit of a task's flags: the engine keeps the result (task_options::keep_remote); of a result's
/// flags: the engine kept it, and the payload says only its size (uint64).
constexpr std::uint32_t kept_flag = 1u << 29;
/// Bit of a task's flags: results of other tasks go into its arguments; the payload ends with
/// the inputs block (detail/result_args.hpp).
constexpr std::uint32_t has_inputs_flag = 1u << 28;
/// Bit of a task's flags: the payload (after the requirements) starts with a word whose bit i
/// says argument i is the id of an object sent apart (object records).
constexpr std::uint32_t has_objects_flag = 1u << 27;
constexpr std::uint32_t option_flags =
    has_requirements_flag | isolated_flag | kept_flag | has_inputs_flag | has_objects_flag;
constexpr std::uint32_t attempt_mask = ~option_flags;
/// Bit of a blocked or unblocked record's flags: the wait does not change the engine's load.
constexpr std::uint32_t uncounted_wait_flag = 1u;

/// The largest record a batch may carry: one MPI message counts its bytes in an int.
constexpr std::uint64_t max_record_bytes = 0x7fffffffu;

/// Ids of tasks that tasks submit: the submitting engine's rank above bit 48, a count below.
/// Ids below are the client's on rank 0.
constexpr std::uint64_t task_of_task_ids = std::uint64_t(1) << 48;
inline bool is_task_of_task(std::uint64_t id) { return id >= task_of_task_ids; }
inline std::uint64_t task_of_task_id(int engine, std::uint64_t count) {
  return (static_cast<std::uint64_t>(engine) << 48) | count;
}

inline std::uint32_t attempt_of(const record_header& h) { return h.flags & attempt_mask; }
inline bool has_requirements(const record_header& h) { return (h.flags & has_requirements_flag) != 0; }
inline bool is_isolated(const record_header& h) { return (h.flags & isolated_flag) != 0; }
inline bool is_kept(const record_header& h) { return (h.flags & kept_flag) != 0; }
inline bool has_inputs(const record_header& h) { return (h.flags & has_inputs_flag) != 0; }
inline bool has_objects(const record_header& h) { return (h.flags & has_objects_flag) != 0; }

/// Appends a record header; returns its offset so the length can be patched.
inline std::size_t begin_record(bytes& out, record_kind kind, std::uint64_t task,
                                std::uint64_t handler) {
  const auto at = out.size();
  record_header h{task, handler, 0, kind, 0};
  put_raw(out, &h, sizeof h);
  return at;
}

/// Sets the length of the record that starts at `at` to everything written after its header.
inline void end_record(bytes& out, std::size_t at) {
  const std::uint64_t n = out.size() - at - sizeof(record_header);
  std::memcpy(out.data() + at + offsetof(record_header, length), &n, sizeof n);
}

/// Sets the flags of the record that starts at `at`.
inline void set_flags(char* record, std::uint32_t flags) {
  std::memcpy(record + offsetof(record_header, flags), &flags, sizeof flags);
}
inline void set_flags(bytes& out, std::size_t at, std::uint32_t flags) {
  set_flags(out.data() + at, flags);
}
/// The flags of a record.
inline std::uint32_t flags_of(const char* record) {
  std::uint32_t flags;
  std::memcpy(&flags, record + offsetof(record_header, flags), sizeof flags);
  return flags;
}
/// Sets a task record's attempt, keeping its option bits.
inline void set_attempt(bytes& out, std::size_t at, std::uint32_t attempt) {
  set_flags(out, at, (flags_of(out.data() + at) & option_flags) | (attempt & attempt_mask));
}
inline void set_kind(bytes& out, std::size_t at, record_kind kind) {
  std::memcpy(out.data() + at + offsetof(record_header, kind), &kind, sizeof kind);
}

/// One task a recall names.
struct recalled_task {
  std::uint64_t task = 0, attempt = 0;
};

/// A result or failure starts with when its task ran on the engine, then the outcome's bytes.
struct run_times {
  std::int64_t started_us = 0, completed_us = 0;
};
inline void put_run_times(bytes& out, const run_times& t) { put_raw(out, &t, sizeof t); }
/// Sets the completion time of the outcome record that starts at `at`.
inline void set_completed(bytes& out, std::size_t at, std::int64_t completed_us) {
  std::memcpy(out.data() + at + sizeof(record_header) + offsetof(run_times, completed_us),
              &completed_us, sizeof completed_us);
}
/// An outcome record's payload: its times and the result (or the failure's type and message).
struct outcome_view {
  run_times times;
  const char* data = nullptr;
  std::size_t size = 0;
};
inline outcome_view read_outcome(const record_header& h, const char* payload) {
  outcome_view v;
  const auto skip = std::min<std::uint64_t>(h.length, sizeof v.times);
  if (skip == sizeof v.times) std::memcpy(&v.times, payload, sizeof v.times);
  v.data = payload + skip;
  v.size = static_cast<std::size_t>(h.length - skip);
  return v;
}

/// Walks the records of one batch; rejects a header whose length overruns the batch.
class record_reader {
 public:
  record_reader(const char* data, std::size_t size) : at_(data), end_(data + size) {}
  bool next(record_header& h, const char*& payload) {
    if (at_ == end_) return false;
    if (static_cast<std::size_t>(end_ - at_) < sizeof h) throw decode_error("batch truncated");
    std::memcpy(&h, at_, sizeof h);
    at_ += sizeof h;
    if (static_cast<std::uint64_t>(end_ - at_) < h.length)
      throw decode_error("record of task " + std::to_string(h.task) + " overruns its batch");
    payload = at_;
    at_ += h.length;
    return true;
  }

 private:
  const char* at_;
  const char* end_;
};

}  // namespace taskhub::detail
