// SPDX-License-Identifier: MIT
// Part of taskhub.
// `custom_scheme R`: a custom scheme (always the highest rank) places every task, and a task that
// requires the tag "gpu" runs on rank R, the one launched with TASKHUB_ENGINE_TAGS=gpu.
#include <taskhub/taskhub.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

struct highest_rank : taskhub::scheme {
  std::size_t choose(const std::vector<taskhub::engine_load>& c) override {
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.size(); ++i)
      if (c[i].rank > c[best].rank) best = i;
    return best;
  }
};

int where() { return taskhub::engine::rank(); }

}  // namespace

int main(int argc, char** argv) {
  const int gpu_rank = argc > 1 ? std::atoi(argv[1]) : -1;
  taskhub::run_options opts;
  opts.scheme = std::make_shared<highest_rank>();
  return taskhub::run(
      argc, argv,
      [&](taskhub::hub& hub) {
        int wrong = 0;
        for (int i = 0; i < 20; ++i) wrong += hub.apply<&where>().get() != hub.engines().back();
        const int gpu = hub.with(taskhub::task_options().require_tags({"gpu"})).apply<&where>().get();
        std::printf("custom scheme: %d of 20 tasks elsewhere than the highest rank; gpu task on %d\n",
                    wrong, gpu);
        return wrong == 0 && gpu == gpu_rank ? 0 : 1;
      },
      opts);
}
