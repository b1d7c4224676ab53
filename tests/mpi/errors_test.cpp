// SPDX-License-Identifier: MIT
// Part of taskhub.
// Failing tasks: exceptions shipped back by type and text, and the tasks left unaffected.
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace errors_test {

class errors : public taskhub_test::hub_test {};

int square(int x) { return x * x; }
double checked_sqrt(double x) {
  if (x < 0) throw std::domain_error("negative input " + std::to_string(x));
  return x;
}
int throws_an_int(int) { throw 42; }

struct custom_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
int throws_custom(int) { throw custom_failure("custom"); }

TEST_F(errors, a_throwing_task_comes_back_as_remote_error) {
  auto f = hub.apply<&checked_sqrt>(-1.0);
  try {
    f.get();
    FAIL() << "expected a remote_error";
  } catch (const taskhub::remote_error& e) {
    EXPECT_EQ(e.type_name(), "std::domain_error");
    EXPECT_EQ(e.message(), "negative input -1.000000");
    EXPECT_EQ(e.function(), "errors_test::checked_sqrt");
    EXPECT_EQ(e.engine(), f.engine());
    EXPECT_EQ(e.task(), f.id());
    EXPECT_NE(std::string(e.what()).find("checked_sqrt"), std::string::npos);
  }
  EXPECT_TRUE(f.failed());
  EXPECT_EQ(f.error().type_name(), "std::domain_error");
}

TEST_F(errors, other_tasks_are_unaffected_by_a_failure) {
  std::vector<taskhub::future<double>> fs;
  for (int i = -5; i < 20; ++i) fs.push_back(hub.apply<&checked_sqrt>(i));
  for (int i = -5; i < 20; ++i) {
    auto& f = fs[static_cast<std::size_t>(i + 5)];
    if (i < 0) {
      EXPECT_THROW(f.get(), taskhub::remote_error);
    } else {
      EXPECT_DOUBLE_EQ(f.get(), i);
    }
  }
  EXPECT_EQ(hub.apply<&square>(3).get(), 9);
}

TEST_F(errors, non_standard_and_user_exceptions_are_named) {
  try {
    hub.apply<&throws_an_int>(1).get();
    FAIL();
  } catch (const taskhub::remote_error& e) {
    EXPECT_EQ(e.type_name(), "unknown exception");
  }
  try {
    hub.apply<&throws_custom>(1).get();
    FAIL();
  } catch (const taskhub::remote_error& e) {
    EXPECT_EQ(e.type_name(), "errors_test::custom_failure");
    EXPECT_EQ(e.message(), "custom");
  }
}

TEST_F(errors, an_unknown_function_id_fails_only_that_task) {
  auto t = taskhub::detail::make_task(hub.core(), 0x0123456789abcdefull, -1);
  taskhub::detail::end_record(t->request, 0);
  taskhub::detail::submit(hub.core(), t);
  taskhub::future<int> f(t);
  try {
    f.get();
    FAIL() << "expected a remote_error";
  } catch (const taskhub::remote_error& e) {
    EXPECT_NE(e.message().find("no function with id 0x0123456789abcdef"), std::string::npos)
        << e.message();
    EXPECT_EQ(e.function(), "unknown function 0x0123456789abcdef");
  }
  EXPECT_EQ(hub.apply<&square>(4).get(), 16);
}

TEST_F(errors, an_undecodable_payload_fails_only_that_task) {
  const auto id = taskhub::detail::handler_of_fn<&square>::id;
  auto truncated = taskhub::detail::make_task(hub.core(), id, -1);
  truncated->request.push_back('x');  // one byte where an int needs four
  taskhub::detail::end_record(truncated->request, 0);
  auto too_long = taskhub::detail::make_task(hub.core(), id, -1);
  taskhub::detail::encode(too_long->request, 3);
  taskhub::detail::encode(too_long->request, 4);
  taskhub::detail::end_record(too_long->request, 0);
  taskhub::detail::submit(hub.core(), truncated);
  taskhub::detail::submit(hub.core(), too_long);
  for (auto& t : {truncated, too_long}) {
    try {
      taskhub::future<int>(t).get();
      FAIL() << "expected a remote_error";
    } catch (const taskhub::remote_error& e) {
      EXPECT_EQ(e.type_name(), "taskhub::decode_error");
      EXPECT_EQ(e.function(), "errors_test::square");
    }
  }
  EXPECT_EQ(hub.apply<&square>(5).get(), 25);
}

TEST_F(errors, a_result_of_the_wrong_type_fails_to_decode_on_the_client) {
  auto t = taskhub::detail::make_call<taskhub::detail::handler_of_fn<&square>>(hub.core(), -1, nullptr, 3);
  taskhub::detail::submit(hub.core(), t);
  taskhub::future<std::vector<double>> wrong(t);  // the engine returns an int
  EXPECT_THROW(wrong.get(), taskhub::decode_error);
}

}  // namespace errors_test
