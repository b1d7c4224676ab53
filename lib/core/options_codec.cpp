// SPDX-License-Identifier: MIT
// Part of taskhub.
// Task options on the wire, for tasks that tasks submit.
#include "core/options_codec.hpp"

namespace taskhub::detail {

namespace {
void encode_dependency(bytes& out, const dependency& d) {
  encode(out, std::vector<std::uint64_t>(d.ids()));
  const std::uint8_t bits = (d.is_all() ? 1 : 0) | (d.on_success() ? 2 : 0) | (d.on_failure() ? 4 : 0);
  encode(out, bits);
}
dependency decode_dependency(reader& in) {
  dependency d(decode<std::vector<std::uint64_t>>(in));
  const auto bits = decode<std::uint8_t>(in);
  if (bits & 1) {
    d.all();
  } else {
    d.any();
  }
  d.success(bits & 2).failure(bits & 4);
  return d;
}
}  // namespace

void encode_options(bytes& out, const task_options& opts) {
  encode_dependency(out, opts.after());
  encode_dependency(out, opts.follow());
  encode(out, static_cast<std::int64_t>(opts.dependency_timeout().count()));
  encode(out, static_cast<std::int64_t>(opts.timeout().count()));
  encode(out, static_cast<std::int32_t>(opts.retries()));
  encode(out, static_cast<std::int32_t>(opts.priority()));
  encode(out, static_cast<std::uint64_t>(opts.tags().size()));
  for (const auto& tag : opts.tags()) encode(out, tag);
  encode(out, std::vector<std::uint64_t>(opts.requirements()));
  encode(out, opts.journal_key());
  encode(out, std::vector<std::int32_t>(opts.targets().begin(), opts.targets().end()));
  encode(out, static_cast<std::uint8_t>((opts.is_isolated() ? 1 : 0) |
                                        (opts.is_kept_remote() ? 2 : 0)));
  encode(out, opts.label());
}

task_options decode_options(reader& in) {
  task_options o;
  o.after(decode_dependency(in));
  o.follow(decode_dependency(in));
  o.dependency_timeout(std::chrono::microseconds(decode<std::int64_t>(in)));
  o.timeout(std::chrono::microseconds(decode<std::int64_t>(in)));
  o.retries(decode<std::int32_t>(in));
  o.priority(decode<std::int32_t>(in));
  const auto tag_count = decode<std::uint64_t>(in);
  if (tag_count > in.remaining()) throw decode_error("task options: tag count overruns the record");
  std::vector<std::string> tags(tag_count);
  for (auto& tag : tags) tag = decode<std::string>(in);
  o.require_tags(std::move(tags));
  o.set_requirements(decode<std::vector<std::uint64_t>>(in));
  o.journal_key(decode<std::string>(in));
  const auto targets = decode<std::vector<std::int32_t>>(in);
  o.targets(std::vector<int>(targets.begin(), targets.end()));
  const auto switches = decode<std::uint8_t>(in);
  o.isolated((switches & 1) != 0);
  o.keep_remote((switches & 2) != 0);
  o.label(decode<std::string>(in));
  return o;
}

}  // namespace taskhub::detail
