// SPDX-License-Identifier: MIT
// Part of taskhub.
// A task whose arguments, one whose result, and one that submits a task whose arguments exceed
// the largest message (2 GiB): each fails alone, and the run goes on.
#include <taskhub/taskhub.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

std::size_t length(const std::vector<char>& v) { return v.size(); }
std::vector<char> make(std::size_t n) { return std::vector<char>(n, 'x'); }
int twice(int x) { return 2 * x; }
// A task that submits a task of `n` bytes of arguments.
std::size_t submit_big(std::size_t n) {
  return taskhub::engine::hub().apply<&length>(std::vector<char>(n)).get();
}

// Whether `f` failed with message_too_large; prints its error line.
template <class F>
bool is_too_large(F&& f) {
  try {
    f.get();
  } catch (const taskhub::remote_error& e) {
    std::printf("%s\n", e.what());
    return e.type_name() == taskhub::failure::message_too_large;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    const std::size_t over = (std::size_t(1) << 31) + 16;
    bool is_ok = true;
    {
      std::vector<char> big(over, 'x');
      is_ok = is_too_large(hub.apply<&length>(big)) && is_ok;
    }
    is_ok = is_too_large(hub.apply<&make>(over)) && is_ok;
    try {  // inside a task, the submission itself is refused: the submitting task fails
      hub.apply<&submit_big>(over).get();
      is_ok = false;
    } catch (const taskhub::remote_error& e) {
      std::printf("%s\n", e.what());
      is_ok = std::string(e.what()).find("cannot submit a task of") != std::string::npos && is_ok;
    }
    is_ok = hub.apply<&twice>(21).get() == 42 && is_ok;  // the run goes on
    is_ok = hub.apply<&length>(std::vector<char>(1000)).get() == 1000 && is_ok;
    std::printf("huge messages: %s\n", is_ok ? "each failed alone" : "WRONG");
    return is_ok ? 0 : 1;
  });
}
