// SPDX-License-Identifier: MIT
// Part of taskhub.
// Pushing values to engines' stores: encoded once, large ones sent once per engine as objects.
#include "taskhub/detail/pushed_value.hpp"

#include "taskhub/detail/submit.hpp"

namespace taskhub::detail {

pushed_value make_pushed(std::string name, std::uint64_t type, bytes encoding) {
  pushed_value v;
  v.name = std::move(name);
  v.blob = make_blob(type, std::move(encoding));
  const std::size_t threshold = cache_threshold();
  v.is_object = threshold != 0 && v.blob->size >= threshold;
  return v;
}

// The store_put payload: a count, then per value its name, its type key and either its
// encoding, length first, or (when bit i of the task's object positions is set) its object id.
std::vector<task_ptr> submit_store_puts(client_core& hub, const std::vector<int>& ranks,
                                        const std::vector<pushed_value>& values) {
  std::size_t payload = sizeof(std::uint32_t) + sizeof(std::uint64_t);
  for (const auto& v : values)
    payload += v.name.size() + 3 * sizeof(std::uint64_t) + (v.is_object ? 0 : v.blob->size);
  std::vector<task_ptr> tasks;
  tasks.reserve(ranks.size());
  for (int rank : ranks) {
    auto t = make_task(hub, store_put_handler(), rank, payload);
    const std::size_t args_at = t->request.size();
    object_refs refs;
    encode(t->request, static_cast<std::uint32_t>(values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto& v = values[i];
      encode(t->request, v.name);
      encode(t->request, v.blob->type);
      if (v.is_object && i < 64) {
        refs.positions |= std::uint64_t(1) << i;
        refs.objects.push_back(v.blob);
        encode(t->request, v.blob->id);
      } else {
        encode(t->request, static_cast<std::uint64_t>(v.blob->size));
        put_raw(t->request, v.blob->record.data() + sizeof(record_header), v.blob->size);
      }
    }
    if (refs.positions != 0) attach_objects(*t, args_at, std::move(refs));
    end_record(t->request, 0);
    tasks.push_back(std::move(t));
  }
  std::vector<task_ptr> submitted = tasks;
  submit(hub, submitted);
  return tasks;
}

}  // namespace taskhub::detail
