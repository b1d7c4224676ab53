// SPDX-License-Identifier: MIT
// Part of taskhub.
// The scheduling schemes: leastload, warm, lru, plainrandom, twobin, weighted.
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

// The least loaded; among equals, by `prefers(a, b)` on when they were last used.
template <class Prefers>
std::size_t least_loaded(const std::vector<engine_load>& c, Prefers prefers) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (c[i].outstanding < c[best].outstanding ||
        (c[i].outstanding == c[best].outstanding && prefers(c[i].last_used, c[best].last_used)))
      best = i;
  }
  return best;
}

// Among the least loaded, the least recently used: one-at-a-time work takes turns across the
// engines, as IPython parallel's leastload does.
struct leastload : scheme {
  std::size_t choose(const std::vector<engine_load>& c) override {
    return least_loaded(c, [](std::uint64_t a, std::uint64_t b) { return a < b; });
  }
};

// Among the least loaded, the one used last: it is awake, while the others may sleep, so a lone
// round trip is faster; one-at-a-time work then stays on one engine.
struct warm : scheme {
  std::size_t choose(const std::vector<engine_load>& c) override {
    return least_loaded(c, [](std::uint64_t a, std::uint64_t b) { return a > b; });
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
  if (name == "warm") return std::make_shared<warm>();
  if (name == "lru") return std::make_shared<lru>();
  if (name == "plainrandom") return std::make_shared<plainrandom>();
  if (name == "twobin") return std::make_shared<twobin>();
  if (name == "weighted") return std::make_shared<weighted>();
  throw error("unknown scheduling scheme '" + name +
              "' (choose leastload, warm, lru, plainrandom, twobin or weighted)");
}

}  // namespace taskhub
