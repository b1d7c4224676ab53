// SPDX-License-Identifier: MIT
// Part of taskhub.
// A campaign of N tasks for the journal tests: each task appends its index to the file named by
// CAMPAIGN_LOG (so a test sees what ran), every 97th throws. The client writes every result, in
// order, to OUT and the indices the journal answered to OUT.restored.
//   campaign N OUT [taskhub flags]
// With CAMPAIGN_MAP=CHUNKSIZE the tasks are the items of one map; CAMPAIGN_RETRIES=K gives them
// K retries; CAMPAIGN_FLAKY_DIR=DIR makes every 97th fail only the first time it runs (a file in
// DIR remembers it); CAMPAIGN_FIXED=1 makes none throw. With CAMPAIGN_SEEN=FILE the map delivers
// its items as they arrive and the client appends each index to FILE (write(2), unbuffered) as
// soon as it has the item's outcome. Built with CAMPAIGN_REBUILT defined, a task's value differs.
#include <fcntl.h>
#include <taskhub/taskhub.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace campaign {

std::string step(int i) {
  if (const char* log = std::getenv("CAMPAIGN_LOG")) {
    if (std::FILE* f = std::fopen(log, "a")) {
      std::fprintf(f, "%d\n", i);
      std::fclose(f);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (i % 97 == 0 && !std::getenv("CAMPAIGN_FIXED")) {
    const char* flaky = std::getenv("CAMPAIGN_FLAKY_DIR");
    const std::string mark = flaky ? std::string(flaky) + "/" + std::to_string(i) : "";
    if (!flaky || !std::ifstream(mark)) {
      if (flaky) std::ofstream(mark) << "failed once\n";
      throw std::runtime_error("step " + std::to_string(i) + " refuses");
    }
  }
#ifdef CAMPAIGN_REBUILT  // the same program with another body of this function
  return "r" + std::to_string(static_cast<long long>(i) * i + 1);
#else
  return "r" + std::to_string(static_cast<long long>(i) * i);
#endif
}

}  // namespace campaign

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: campaign N OUT [taskhub flags]\n");
    return 2;
  }
  const int n = std::atoi(argv[1]);
  const std::string out_path = argv[2];
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    taskhub::task_options options;
    if (const char* k = std::getenv("CAMPAIGN_RETRIES")) options.retries(std::atoi(k));
    // Per index: the task's id, and its value or error.
    std::vector<std::uint64_t> ids;
    std::vector<std::string> lines(static_cast<std::size_t>(n));
    if (const char* chunk = std::getenv("CAMPAIGN_MAP")) {
      std::vector<int> xs(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
      const char* seen_path = std::getenv("CAMPAIGN_SEEN");
      auto how = taskhub::map_options().chunksize(static_cast<std::size_t>(std::atoi(chunk)));
      if (seen_path) how.unordered();
      const int seen = seen_path ? ::open(seen_path, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
      auto m = hub.with(options).map<&campaign::step>(how, xs);
      for (const auto& o : m.return_exceptions()) {
        lines[o.index] = o.ok() ? *o.value : "error " + o.error->message();
        if (seen >= 0) {
          const std::string line = std::to_string(o.index) + "\n";
          if (::write(seen, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            throw std::runtime_error(std::string("cannot write ") + seen_path);
        }
      }
      if (seen >= 0) ::close(seen);
      ids = m.ids();
    } else {
      std::vector<taskhub::future<std::string>> results;
      for (int i = 0; i < n; ++i) results.push_back(hub.with(options).apply<&campaign::step>(i));
      taskhub::wait(results);
      for (std::size_t i = 0; i < results.size(); ++i) {
        auto& f = results[i];
        ids.push_back(f.id());
        lines[i] = f.failed() ? "error " + f.error().message() : f.get();
      }
    }
    std::ofstream out(out_path + ".part"), restored(out_path + ".restored");
    std::vector<bool> is_restored;
    for (const auto& r : hub.records()) {
      if (r.id >= is_restored.size()) is_restored.resize(r.id + 1);
      is_restored[r.id] = r.restored;
    }
    int count = 0;
    for (int i = 0; i < n; ++i) {
      const auto id = ids[static_cast<std::size_t>(i)];
      out << i << ' ' << lines[static_cast<std::size_t>(i)] << '\n';
      if (id < is_restored.size() && is_restored[id]) {
        restored << i << '\n';
        ++count;
      }
    }
    out.close();
    std::rename((out_path + ".part").c_str(), out_path.c_str());
    std::printf("campaign: %d tasks, %d answered from the journal\n", n, count);
  });
}
