// SPDX-License-Identifier: MIT
// Part of taskhub.
// Making shared objects and cached arguments, and marking the tasks that refer to them.
#include "taskhub/detail/shared_blob.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "taskhub/detail/task_data.hpp"
#include "taskhub/detail/wire.hpp"

namespace taskhub::detail {
namespace {

constexpr std::uint64_t content_bit = std::uint64_t(1) << 63;

std::atomic<std::uint64_t> last_id{0};
std::atomic<std::size_t> threshold{0};

// The cached arguments that live, by content id; and the latest used, which the client keeps
// (so engines keep them) even between tasks that take them, newest first, up to recent_bytes.
std::mutex cached_m;
std::unordered_map<std::uint64_t, std::weak_ptr<const shared_blob>> cached;
std::deque<blob_ptr> recent;
std::size_t recent_size = 0;
constexpr std::size_t recent_bytes = std::size_t(64) << 20;

// The fingerprints of the large arguments seen lately, each in the slot its low bits name (a
// newer one takes the slot of an older).
constexpr std::size_t sighting_slots = 4096;
std::uint64_t sightings[sighting_slots] = {};

blob_ptr keep_recent(blob_ptr b) {
  auto it = std::find(recent.begin(), recent.end(), b);
  if (it != recent.end()) {
    recent.erase(it);
    recent_size -= b->size;
  }
  recent.push_front(b);
  recent_size += b->size;
  while (recent.size() > 1 && recent_size > recent_bytes) {
    recent_size -= recent.back()->size;
    recent.pop_back();
  }
  return b;
}

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

// A few dozen words of the value, the same for the same bytes: its first and last 32 bytes and
// 48 words spread evenly between them, with its type and size. A sub-microsecond look that tells
// most distinct values apart; a match is only a hint, which the full hash then checks.
std::uint64_t sampled_fingerprint(std::uint64_t type, const char* data, std::size_t n) {
  if (n < 1024) return content_id(type, data, n);  // as cheap, below a low threshold
  std::uint64_t h = mix(type ^ (n * 0x9e3779b97f4a7c15ull));
  const auto take = [&](std::size_t at) {
    std::uint64_t w;
    std::memcpy(&w, data + at, 8);
    h = mix(h ^ w);
  };
  for (std::size_t at = 0; at < 32; at += 8) take(at);
  for (std::size_t at = n - 32; at < n; at += 8) take(at);
  constexpr std::size_t spread = 48;
  for (std::size_t k = 1; k <= spread; ++k) take((n - 8) / (spread + 1) * k);
  return h | 1;  // never 0, the empty slot
}

}  // namespace

blob_ptr make_blob(std::uint64_t type, bytes encoding, std::uint64_t id) {
  if (encoding.size() > max_record_bytes)
    throw error("a shared object of " + std::to_string(encoding.size() - sizeof(record_header)) +
                " bytes cannot be sent; one object carries at most " +
                std::to_string(max_record_bytes) + " (2 GiB)");
  auto b = std::make_shared<shared_blob>();
  b->id = id != 0 ? id : ++last_id;
  b->type = type;
  b->size = encoding.size() - sizeof(record_header);
  const record_header h{b->id, type, b->size, record_kind::object, 0};
  std::memcpy(encoding.data(), &h, sizeof h);
  b->record = std::move(encoding);
  return b;
}

// Four words at a time in four lanes, so a 64 MiB argument hashes at memory speed.
std::uint64_t content_id(std::uint64_t type, const char* data, std::size_t n) {
  std::uint64_t lane[4] = {type, n, 0x9e3779b97f4a7c15ull, 0x632be59bd9b4e019ull};
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      std::uint64_t w;
      std::memcpy(&w, data + i + 8 * k, 8);
      lane[k] = (lane[k] ^ w) * 0x9fb21c651e98df25ull;
      lane[k] ^= lane[k] >> 29;
    }
  }
  std::uint64_t h = mix(lane[0]) ^ mix(lane[1] + 1) ^ mix(lane[2] + 2) ^ mix(lane[3] + 3);
  for (; i < n; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ull;
  return mix(h) | content_bit;
}

std::size_t cache_threshold() {
  return is_engine_thread ? 0 : threshold.load(std::memory_order_relaxed);
}
void set_cache_threshold(std::size_t bytes) {
  threshold.store(bytes);
  std::lock_guard<std::mutex> lock(cached_m);
  recent.clear();
  recent_size = 0;
  std::fill(std::begin(sightings), std::end(sightings), 0);
}

// The policy: a large argument goes as a cached object only from its second sighting. Caching
// costs the client a hash of every byte (64 µs per MiB here), a blob, a message of its own and
// the blob kept alive (with the engines' copies) among the latest 64 MiB; for arguments that
// never repeat, all of it is lost, and W4 (200 distinct 1 MiB arguments) ran at half the speed
// it ran uncached. A first sighting costs a sampled fingerprint and goes inline, as uncached; a
// fingerprint seen before takes the full hash and the byte-for-byte comparison. A repeated
// argument thus crosses once inline and once per engine as an object, then never again.
bool is_seen_lately(std::uint64_t type, const char* data, std::size_t n) {
  const std::uint64_t f = sampled_fingerprint(type, data, n);
  std::lock_guard<std::mutex> lock(cached_m);
  std::uint64_t& slot = sightings[f % sighting_slots];
  if (slot == f) return true;
  slot = f;
  return false;
}

blob_ptr cached_blob(std::uint64_t type, const char* value, std::size_t n) {
  const std::uint64_t id = content_id(type, value, n);
  const auto encoding = [&] {
    bytes rec;
    rec.resize(sizeof(record_header) + n);
    std::memcpy(rec.data() + sizeof(record_header), value, n);
    return rec;
  };
  std::lock_guard<std::mutex> lock(cached_m);
  auto& slot = cached[id];
  if (auto b = slot.lock()) {
    if (b->type == type && b->size == n &&
        std::memcmp(b->record.data() + sizeof(record_header), value, n) == 0)
      return keep_recent(std::move(b));
    return make_blob(type, encoding());  // the same hash for other bytes: not cached
  }
  auto b = keep_recent(make_blob(type, encoding(), id));
  slot = b;
  if (cached.size() > 256) {
    for (auto it = cached.begin(); it != cached.end();)
      it = it->second.expired() ? cached.erase(it) : std::next(it);
  }
  return b;
}

void attach_objects(task_data& task, std::size_t args_at, object_refs refs) {
  const char* p = reinterpret_cast<const char*>(&refs.positions);
  task.request.insert(task.request.begin() + static_cast<std::ptrdiff_t>(args_at), p,
                      p + sizeof refs.positions);
  set_flags(task.request, 0, flags_of(task.request.data()) | has_objects_flag);
  task.objects = std::move(refs.objects);
}

}  // namespace taskhub::detail
