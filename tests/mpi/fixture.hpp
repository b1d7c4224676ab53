// SPDX-License-Identifier: MIT
// Part of taskhub.
// hub_test, the fixture every suite derives from: the hub of the running program.
#pragma once

#include <gtest/gtest.h>

#include <taskhub/taskhub.hpp>

#include <string>

namespace taskhub_test {

extern taskhub::hub* the_hub;
extern std::string scheme_name;  // the scheme this run was started with
extern int hwm;                  // the high-water mark this run was started with

/// Tests that use the hub of the running program.
class hub_test : public ::testing::Test {
 protected:
  taskhub::hub& hub = *the_hub;
  std::size_t engine_count() const { return hub.engines().size(); }
};

/// The type name of the error a future's task failed with ("" if it did not fail).
template <class Future>
std::string failure_type(const Future& f) {
  f.wait();
  return f.failed() ? f.error().type_name() : std::string();
}

}  // namespace taskhub_test
