// SPDX-License-Identifier: MIT
// Part of taskhub.
// A task that segfaults fails with engine_crash and retires its engine; the other tasks still
// finish on the engines left (or fail with impossible_dependency when none is left), and the hub
// lists only the live engines. A load-balanced view of chosen engines skips the retired one.
#include <taskhub/taskhub.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace crash {

int* volatile nowhere = nullptr;

int segfault(int) { return *nowhere; }

int nap(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

}  // namespace crash

int main(int argc, char** argv) {
  return taskhub::run(argc, argv, [](taskhub::hub& hub) {
    std::vector<taskhub::future<int>> before;
    for (int i = 0; i < 20; ++i) before.push_back(hub.apply<&crash::nap>(20));
    auto bad = hub.apply<&crash::segfault>(0);
    bad.wait();
    const bool is_crash_reported = bad.failed() &&
                                   bad.error().type_name() == taskhub::failure::engine_crash &&
                                   bad.error().message().find("Segmentation fault") != std::string::npos;
    std::printf("crash: %s\n", bad.failed() ? bad.error().what() : "did not fail");
    // The crashed engine is no longer listed, but still counted, as retired.
    const int gone = bad.error().engine();
    const auto live = hub.engines();
    const auto counts = hub.counts();
    bool is_listing_right = hub.all_engines().size() == live.size() + 1 &&
                            std::find(live.begin(), live.end(), gone) == live.end() &&
                            counts.size() == hub.all_engines().size() && !counts.at(gone).live;
    for (int r : live) is_listing_right = is_listing_right && counts.at(r).live;
    std::printf("crash: engine %d retired; %zu live of %zu; listing %s\n", gone, live.size(),
                hub.all_engines().size(), is_listing_right ? "right" : "wrong");
    std::vector<taskhub::future<int>> after;
    for (int i = 0; i < 20; ++i) after.push_back(hub.apply<&crash::nap>(1));
    int finished = 0, impossible = 0;
    for (auto* fs : {&before, &after}) {
      for (auto& f : *fs) {
        f.wait();
        if (!f.failed()) {
          ++finished;
        } else if (f.error().type_name() == taskhub::failure::impossible_dependency) {
          ++impossible;
        }
      }
    }
    // Of the retired engine alone, a view runs nothing; with a live one, only there.
    auto on_gone = hub.load_balanced_view({gone}).apply<&crash::nap>(1);
    on_gone.wait();
    bool is_view_right = on_gone.failed() &&
                         on_gone.error().type_name() == taskhub::failure::impossible_dependency;
    if (!live.empty()) {
      auto lb = hub.load_balanced_view({gone, live.front()});
      for (int i = 0; i < 10; ++i) {
        auto f = lb.apply<&crash::nap>(1);
        f.wait();
        is_view_right = is_view_right && !f.failed() && f.engine() == live.front();
      }
    }
    std::printf("crash: views of chosen engines %s\n", is_view_right ? "right" : "wrong");
    const bool is_last_engine = hub.engines().empty();
    std::printf("crash: %d tasks finished, %d impossible, %zu engine(s)\n", finished, impossible,
                hub.all_engines().size());
    // With engines left every task finishes; with none, tasks not yet run fail as impossible.
    const bool is_ok = is_crash_reported && is_listing_right && is_view_right &&
                       (is_last_engine ? finished + impossible == 40 : finished == 40);
    return is_ok ? 0 : 1;
  });
}
