// SPDX-License-Identifier: MIT
// Part of taskhub.
// The journal's outcome log: a task's record keeps its label and parents, and a record that a
// taskhub of journal version 2 left (its row without the label, no parents) still reads.
#include "journal/outcome_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "journal/schema.hpp"

namespace {

namespace schema = taskhub::detail::schema;
using taskhub::detail::outcome_log;

schema::task_row a_task(std::uint64_t id) {
  schema::task_row t{};
  t.run = 2;
  t.id = id;
  schema::copy_text(t.function, "campaign::step");
  t.args_hash = 77;
  t.occurrence = 1;
  t.submitted = 1700000000.5;
  t.target = -1;
  t.origin = 0;
  return t;
}

std::string temporary_path() {
  char path[] = "/tmp/taskhub-outcome-log-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd >= 0) ::close(fd);
  return path;
}

TEST(outcome_log, keeps_a_tasks_label_and_parents) {
  const std::string path = temporary_path();
  {
    outcome_log log;
    log.open(path, false);
    auto t = a_task(5);
    schema::copy_text(t.label, "make -C src all (line 3)");
    log.add(t, {3, 4});
    log.add(a_task(6), {});
    log.write();
  }
  const auto read = outcome_log::read(path);
  ::unlink(path.c_str());
  EXPECT_EQ(read.damaged, 0u);
  ASSERT_EQ(read.tasks.size(), 2u);
  EXPECT_EQ(schema::text_of(read.tasks[0].label), "make -C src all (line 3)");
  EXPECT_EQ(schema::text_of(read.tasks[1].label), "");
  ASSERT_EQ(read.parents.size(), 2u);
  EXPECT_EQ(read.parents[0].id, 5u);
  EXPECT_EQ(read.parents[0].parent, 3u);
  EXPECT_EQ(read.parents[1].parent, 4u);
  EXPECT_EQ(read.parents[1].run, 2u);
}

// Version 2's task row, as that taskhub declared it: the same fields without the label.
struct task_row_2 {
  std::uint32_t run;
  std::uint64_t id;
  char function[128];
  std::uint64_t args_hash;
  std::uint32_t occurrence;
  double submitted;
  std::int32_t target, origin;
};

TEST(outcome_log, reads_the_task_records_of_version_2) {
  const auto t = a_task(9);
  task_row_2 old{};
  old.run = t.run;
  old.id = t.id;
  std::memcpy(old.function, t.function, sizeof old.function);
  old.args_hash = t.args_hash;
  old.occurrence = t.occurrence;
  old.submitted = t.submitted;
  old.target = t.target;
  old.origin = t.origin;
  // [magic "THL1", length u32, FNV-1a u64][kind 1][row]
  std::vector<char> payload(1 + sizeof old);
  payload[0] = 1;
  std::memcpy(payload.data() + 1, &old, sizeof old);
  const std::uint32_t magic = 0x314c4854, length = static_cast<std::uint32_t>(payload.size());
  const std::uint64_t checksum = schema::fnv1a(payload.data(), payload.size());
  const std::string path = temporary_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(&magic, sizeof magic, 1, f);
  std::fwrite(&length, sizeof length, 1, f);
  std::fwrite(&checksum, sizeof checksum, 1, f);
  std::fwrite(payload.data(), 1, payload.size(), f);
  std::fclose(f);
  const auto read = outcome_log::read(path);
  ::unlink(path.c_str());
  EXPECT_EQ(read.damaged, 0u);
  ASSERT_EQ(read.tasks.size(), 1u);
  const auto& r = read.tasks[0];
  EXPECT_EQ(r.run, 2u);
  EXPECT_EQ(r.id, 9u);
  EXPECT_EQ(schema::text_of(r.function), "campaign::step");
  EXPECT_EQ(r.args_hash, 77u);
  EXPECT_EQ(r.occurrence, 1u);
  EXPECT_EQ(r.submitted, 1700000000.5);
  EXPECT_EQ(r.target, -1);
  EXPECT_EQ(schema::text_of(r.label), "");
  EXPECT_TRUE(read.parents.empty());
}

}  // namespace
