// SPDX-License-Identifier: MIT
// Part of taskhub.
// The journal's outcome log: PATH.log, appended with write(2) every hub pass before the pass's
// outcomes reach the client, folded into PATH at every flush and on resume.
#include "journal/outcome_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace taskhub::detail {
namespace {

constexpr std::uint32_t record_magic = 0x314c4854;  // "THL1"
// A task record of journal version 2 holds its row without the label (the fields before it,
// laid out alike, then padding to 8 bytes) and no parents.
enum record_kind : std::uint8_t { task_record_2 = 1, outcome_record = 2, task_record = 3 };
constexpr std::size_t task_row_2_size = (offsetof(schema::task_row, label) + 7) / 8 * 8;

struct record_frame {
  std::uint32_t magic;
  std::uint32_t length;  // of the payload
  std::uint64_t checksum;  // FNV-1a of the payload
};

template <class T>
void put(std::vector<char>& out, const T& v) {
  const auto* at = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), at, at + sizeof v);
}

template <class T>
bool take(const char*& at, const char* end, T& v) {
  if (static_cast<std::size_t>(end - at) < sizeof v) return false;
  std::memcpy(&v, at, sizeof v);
  at += sizeof v;
  return true;
}

std::runtime_error failure(const std::string& what, const std::string& path) {
  return std::runtime_error("cannot " + what + " its outcome log " + path + ": " +
                            std::strerror(errno));
}

}  // namespace

outcome_log::~outcome_log() {
  if (fd_ >= 0) ::close(fd_);
}

void outcome_log::open(const std::string& path, bool is_syncing) {
  path_ = path;
  is_syncing_ = is_syncing;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw failure("create", path);
  size_ = 0;
}

void outcome_log::add(const schema::task_row& t, const std::vector<std::uint64_t>& parents) {
  const std::size_t at = unwritten_.size();
  put(unwritten_, record_frame{});
  put(unwritten_, task_record);
  put(unwritten_, t);
  put(unwritten_, static_cast<std::uint32_t>(parents.size()));
  for (const auto parent : parents) put(unwritten_, parent);
  end_record(at);
}

void outcome_log::add(const schema::event_row& event, const schema::outcome_row& outcome,
                      const schema::error_row* error, const void* result, std::size_t size) {
  const std::size_t at = unwritten_.size();
  put(unwritten_, record_frame{});
  put(unwritten_, outcome_record);
  put(unwritten_, event);
  put(unwritten_, outcome);
  put(unwritten_, static_cast<std::uint8_t>(error != nullptr));
  if (error) put(unwritten_, *error);
  const auto* bytes = static_cast<const char*>(result);
  unwritten_.insert(unwritten_.end(), bytes, bytes + size);
  end_record(at);
}

// Fills in the frame of the record that begins at `at` and ends at the end of unwritten_.
void outcome_log::end_record(std::size_t at) {
  const char* payload = unwritten_.data() + at + sizeof(record_frame);
  const std::size_t length = unwritten_.size() - at - sizeof(record_frame);
  const record_frame frame{record_magic, static_cast<std::uint32_t>(length),
                           schema::fnv1a(payload, length)};
  std::memcpy(unwritten_.data() + at, &frame, sizeof frame);
}

void outcome_log::write() {
  if (unwritten_.empty() || fd_ < 0) return;
  const char* at = unwritten_.data();
  std::size_t left = unwritten_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, at, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int why = n < 0 ? errno : ENOSPC;
      const bool is_cut = ::ftruncate(fd_, static_cast<off_t>(size_)) == 0;
      static_cast<void>(is_cut);  // at worst a torn record stays at the end, which read() drops
      errno = why;
      throw failure("write", path_);
    }
    at += n;
    left -= static_cast<std::size_t>(n);
  }
  if (is_syncing_ && ::fdatasync(fd_) != 0) throw failure("sync", path_);
  size_ += unwritten_.size();
  unwritten_.clear();
}

void outcome_log::clear() {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, 0) != 0) throw failure("empty", path_);
  size_ = 0;
  unwritten_.clear();
}

void outcome_log::remove() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

log_contents outcome_log::read(const std::string& path) {
  log_contents all;
  std::ifstream in(path, std::ios::binary);
  if (!in) return all;
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  const char* at = bytes.data();
  const char* const end = at + bytes.size();
  while (at < end) {
    record_frame frame{};
    if (!take(at, end, frame)) break;  // cut short by a kill
    if (frame.magic != record_magic) {
      ++all.damaged;  // nothing after it can be framed
      break;
    }
    if (static_cast<std::size_t>(end - at) < frame.length) break;  // cut short by a kill
    const char* payload = at;
    const char* const payload_end = at + frame.length;
    at = payload_end;
    std::uint8_t kind = 0, has_error = 0;
    if (schema::fnv1a(payload, frame.length) != frame.checksum ||
        !take(payload, payload_end, kind)) {
      ++all.damaged;
      continue;
    }
    if (kind == task_record_2) {
      schema::task_row t{};
      const auto size = static_cast<std::size_t>(payload_end - payload);
      if (size != task_row_2_size) {
        ++all.damaged;
        continue;
      }
      std::memcpy(&t, payload, offsetof(schema::task_row, label));
      all.tasks.push_back(t);
      continue;
    }
    if (kind == task_record) {
      schema::task_row t{};
      std::uint32_t count = 0;
      const bool is_whole = take(payload, payload_end, t) && take(payload, payload_end, count) &&
                            static_cast<std::size_t>(payload_end - payload) ==
                                std::size_t{count} * sizeof(std::uint64_t);
      if (!is_whole) {
        ++all.damaged;
        continue;
      }
      all.tasks.push_back(t);
      for (schema::parent_row p{t.run, t.id, 0}; take(payload, payload_end, p.parent);)
        all.parents.push_back(p);
      continue;
    }
    logged_outcome o;
    if (kind != outcome_record || !take(payload, payload_end, o.event) ||
        !take(payload, payload_end, o.outcome) || !take(payload, payload_end, has_error) ||
        (has_error && !take(payload, payload_end, o.error))) {
      ++all.damaged;
      continue;
    }
    o.has_error = has_error != 0;
    o.result.assign(payload, payload_end);
    all.outcomes.push_back(std::move(o));
  }
  return all;
}

}  // namespace taskhub::detail
