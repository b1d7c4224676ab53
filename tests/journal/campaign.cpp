// SPDX-License-Identifier: MIT
// Part of taskhub.
// A campaign of N tasks for the journal tests: each task appends its index to the file named by
// CAMPAIGN_LOG (so a test sees what ran), every 97th throws. The client writes every result, in
// order, to OUT and the indices the journal answered to OUT.restored.
//   campaign N OUT [taskhub flags]
#include <taskhub/taskhub.hpp>

#include <chrono>
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
  if (i % 97 == 0) throw std::runtime_error("step " + std::to_string(i) + " refuses");
  return "r" + std::to_string(static_cast<long long>(i) * i);
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
    std::vector<taskhub::future<std::string>> results;
    for (int i = 0; i < n; ++i) results.push_back(hub.apply<&campaign::step>(i));
    taskhub::wait(results);
    std::ofstream out(out_path + ".part"), restored(out_path + ".restored");
    std::vector<bool> is_restored(static_cast<std::size_t>(n) + 1);
    for (const auto& r : hub.records())
      if (r.id <= static_cast<std::uint64_t>(n)) is_restored[r.id] = r.restored;
    int count = 0;
    for (int i = 0; i < n; ++i) {
      auto& f = results[static_cast<std::size_t>(i)];
      out << i << ' ' << (f.failed() ? std::string("error ") + f.error().message() : f.get()) << '\n';
      if (is_restored[f.id()]) {
        restored << i << '\n';
        ++count;
      }
    }
    out.close();
    std::rename((out_path + ".part").c_str(), out_path.c_str());
    std::printf("campaign: %d tasks, %d answered from the journal\n", n, count);
  });
}
