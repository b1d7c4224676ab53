// SPDX-License-Identifier: MIT
// Part of taskhub.
// A small build-and-test graph with success and failure branches and a cleanup task:
//
//   prepare -> compile(a), compile(b) -> link -> check -> publish          (if check succeeded)
//                                                      \-> report_failure  (if check failed)
//   cleanup runs after publish or report_failure, whichever ran.
//
//   mpirun -n 3 taskhub-graph [--fail]     (--fail makes the check fail)

#include <taskhub/taskhub.hpp>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace graph {

std::string prepare() { return "sources"; }
std::string compile(const std::string& unit) { return unit + ".o"; }
std::string link_objects() { return "app"; }
int check(bool is_broken) {
  if (is_broken) throw std::runtime_error("3 of 120 checks failed");
  return 120;
}
std::string publish() { return "published"; }
std::string report_failure() { return "failure reported"; }
std::string cleanup() { return "cleaned"; }

}  // namespace graph

int main(int argc, char** argv) {
  bool is_broken = false;
  for (int i = 1; i < argc; ++i) is_broken = is_broken || std::strcmp(argv[i], "--fail") == 0;
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    using taskhub::dependency;
    using taskhub::task_options;
    auto after = [&](dependency d) { return hub.with(task_options().after(std::move(d))); };

    auto prep = hub.apply<&graph::prepare>();
    auto a = after(dependency(prep)).apply<&graph::compile>("a");
    auto b = after(dependency(prep)).apply<&graph::compile>("b");
    auto app = after(dependency(a, b)).apply<&graph::link_objects>();
    auto checked = after(dependency(app)).apply<&graph::check>(is_broken);
    auto published = after(dependency(checked)).apply<&graph::publish>();
    auto reported = after(dependency(checked).success(false).failure(true))
                        .apply<&graph::report_failure>();
    // Exactly one of the branches runs; the other fails as an impossible dependency. Cleanup
    // waits for either branch to succeed.
    auto cleaned = after(dependency(published, reported).any()).apply<&graph::cleanup>();
    cleaned.wait();

    std::printf("%-4s %-24s %-8s %s\n", "id", "function", "state", "note");
    for (const auto& r : hub.records())
      std::printf("%-4llu %-24s %-8s %s\n", static_cast<unsigned long long>(r.id),
                  r.function.c_str(), taskhub::to_string(r.state), r.error.c_str());

    const bool is_as_expected =
        cleaned.get() == "cleaned" && (is_broken ? reported.get() == "failure reported" && published.failed()
                                                 : published.get() == "published" && reported.failed());
    std::printf("graph: check %s, %s, cleanup ran: %s\n", is_broken ? "failed" : "passed",
                is_broken ? "failure reported" : "published", is_as_expected ? "as expected" : "NOT as expected");
    return is_as_expected ? 0 : 1;
  });
}
