// SPDX-License-Identifier: MIT
// Part of taskhub.
// An engine's watch on the process of the hub it talks to.
#include "engine/hub_watch.hpp"

#include <unistd.h>

#include "core/ending.hpp"
#include "core/voice.hpp"

namespace taskhub::detail {

hub_watch::hub_watch(int rank, int center, long pid, const std::string& node)
    : hub_(std::vector<long>{pid}) {
  if (!hub_.is_watching()) return;
  thread_ = std::thread([this, rank, center, pid, node] {
    if (hub_.wait_for_end() != 0) return;  // stopped: the run ended as it should
    // A launcher that ends the job when a rank dies sends its SIGTERM meanwhile; a hub that
    // ended the run as it should has told this engine to stop.
    if (hub_.wait_for_stop(static_cast<int>(launcher_grace().count())) || is_ending()) return;
    say_error(
        "engine %d: %s (rank %d, process %ld on %s) died, and nothing is left to tell this "
        "engine to stop: it ends\n",
        rank, center == 0 ? "the hub" : "its sub-hub", center, pid, node.c_str());
    _exit(1);
  });
}

hub_watch::~hub_watch() {
  hub_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace taskhub::detail
