// SPDX-License-Identifier: MIT
// Part of taskhub.
#pragma once

#include <gtest/gtest.h>

#include <taskhub/taskhub.hpp>

namespace taskhub_test {

extern taskhub::hub* the_hub;

/// Tests that use the hub of the running program.
class hub_test : public ::testing::Test {
 protected:
  taskhub::hub& hub = *the_hub;
  std::size_t engine_count() const { return hub.engines().size(); }
};

}  // namespace taskhub_test
