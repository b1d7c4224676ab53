// SPDX-License-Identifier: MIT
// Part of taskhub.
// The scheduling schemes: leastload, lru, plainrandom, twobin, weighted.
#include "taskhub/scheme.hpp"

#include <random>

#include "taskhub/error.hpp"

namespace taskhub {
namespace {

std::size_t least_recent(const std::vector<engine_load>& c) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < c.size(); ++i)
    if (c[i].last_used < c[best].last_used) best = i;
  return best;
}

// Among the least loaded, the one used last: it is awake, while the others may sleep. (Taking
// turns instead keeps every engine spinning and doubled a lone round trip here.)
struct leastload : scheme {
  std::size_t choose(const std::vector<engine_load>& c) override {
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
      if (c[i].outstanding < c[best].outstanding ||
          (c[i].outstanding == c[best].outstanding && c[i].last_used > c[best].last_used))
        best = i;
    }
    return best;
  }
};

struct lru : scheme {
  std::size_t choose(const std::vector<engine_load>& c) override { return least_recent(c); }
};

class random_scheme : public scheme {
 protected:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

 private:
  std::mt19937_64 rng_{0x7a5c};
};

struct plainrandom : random_scheme {
  std::size_t choose(const std::vector<engine_load>& c) override { return pick(c.size()); }
};

struct twobin : random_scheme {
  std::size_t choose(const std::vector<engine_load>& c) override {
    const std::size_t a = pick(c.size()), b = pick(c.size());
    return c[a].last_used <= c[b].last_used ? a : b;
  }
};

struct weighted : random_scheme {
  std::size_t choose(const std::vector<engine_load>& c) override {
    // Two draws, each with probability proportional to 1 / (load + 1); the less loaded wins.
    double total = 0;
    for (const auto& e : c) total += 1.0 / (e.outstanding + 1);
    auto draw = [&] {
      double x = unit() * total;
      for (std::size_t i = 0; i < c.size(); ++i) {
        x -= 1.0 / (c[i].outstanding + 1);
        if (x <= 0) return i;
      }
      return c.size() - 1;
    };
    const std::size_t a = draw(), b = draw();
    return c[a].outstanding <= c[b].outstanding ? a : b;
  }
};

}  // namespace

std::shared_ptr<scheme> make_scheme(const std::string& name) {
  if (name == "leastload") return std::make_shared<leastload>();
  if (name == "lru") return std::make_shared<lru>();
  if (name == "plainrandom") return std::make_shared<plainrandom>();
  if (name == "twobin") return std::make_shared<twobin>();
  if (name == "weighted") return std::make_shared<weighted>();
  throw error("unknown scheduling scheme '" + name +
              "' (choose leastload, lru, plainrandom, twobin or weighted)");
}

}  // namespace taskhub
