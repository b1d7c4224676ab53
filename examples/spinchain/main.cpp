// SPDX-License-Identifier: MIT
// Part of taskhub.
// The partition kernel on a 1D spin chain: N planar spins with a twist between the fixed ends
// relax towards the uniform spin wave (each angle moves along the torque of its two neighbours).
// Segments of the chain exchange their end spins engine to engine; the result must equal the
// serial relaxation bit for bit, and the relaxed chain a uniform twist.
//   taskhub-spinchain [SPINS PIECES MAX_STEPS TOLERANCE]
#include <taskhub/kernels/partition.hpp>
#include <taskhub/taskhub.hpp>

#include <boost/serialization/vector.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

namespace spinchain {

constexpr double pi = 3.14159265358979323846;
constexpr double rate = 0.4;  // relaxation step

struct settings {
  int spins = 1000;
  double twist = pi;  // the last spin's angle; the first is 0
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& spins& twist;
  }
};

// The initial angle of spin i: a random-looking but deterministic twist.
double initial(const settings& s, int i) {
  if (i == 0) return 0;
  if (i == s.spins - 1) return s.twist;
  return s.twist * i / (s.spins - 1) + 0.5 * std::sin(0.37 * i * i);
}

// The new angle of a spin between `left` and `right`.
double relax(double left, double self, double right) {
  return self + rate * (std::sin(left - self) + std::sin(right - self));
}

struct segment {
  int index = 0, first = 0, count = 0, spins = 0;
  std::vector<double> theta;  // count + 2: a ghost at each end
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& index& first& count& spins& theta;
  }
};

struct chain {
  using settings = spinchain::settings;
  using piece = segment;
  using boundary = double;

  static segment partition(const settings& s, int index, int pieces) {
    segment g;
    g.index = index;
    g.spins = s.spins;
    g.first = static_cast<int>(static_cast<long>(s.spins) * index / pieces);
    g.count = static_cast<int>(static_cast<long>(s.spins) * (index + 1) / pieces) - g.first;
    g.theta.assign(static_cast<std::size_t>(g.count + 2), 0.0);
    for (int i = 0; i < g.count; ++i) g.theta[static_cast<std::size_t>(i + 1)] = initial(s, g.first + i);
    return g;
  }
  static std::vector<int> neighbours(const settings&, int index, int pieces) {
    std::vector<int> n;
    if (index > 0) n.push_back(index - 1);
    if (index + 1 < pieces) n.push_back(index + 1);
    return n;
  }
  static double share(const segment& g, int neighbour) {
    return g.theta[static_cast<std::size_t>(neighbour < g.index ? 1 : g.count)];
  }
  static double workunit(segment& g, const std::map<int, double>& halos) {
    for (const auto& [from, angle] : halos)
      g.theta[from < g.index ? 0 : static_cast<std::size_t>(g.count + 1)] = angle;
    std::vector<double> next = g.theta;
    double change = 0;
    for (int i = 1; i <= g.count; ++i) {
      const int spin = g.first + i - 1;
      if (spin == 0 || spin == g.spins - 1) continue;
      const auto k = static_cast<std::size_t>(i);
      next[k] = relax(g.theta[k - 1], g.theta[k], g.theta[k + 1]);
      change = std::max(change, std::fabs(next[k] - g.theta[k]));
    }
    g.theta.swap(next);
    return change;
  }
};

std::vector<double> serial(const settings& s, int steps, double tolerance, int* steps_run) {
  std::vector<double> theta(static_cast<std::size_t>(s.spins)), next;
  for (int i = 0; i < s.spins; ++i) theta[static_cast<std::size_t>(i)] = initial(s, i);
  int step = 1;
  for (; step <= steps; ++step) {
    next = theta;
    double change = 0;
    for (std::size_t k = 1; k + 1 < theta.size(); ++k) {
      next[k] = relax(theta[k - 1], theta[k], theta[k + 1]);
      change = std::max(change, std::fabs(next[k] - theta[k]));
    }
    theta.swap(next);
    if (change <= tolerance) break;
  }
  *steps_run = std::min(step, steps);
  return theta;
}

}  // namespace spinchain

int main(int argc, char** argv) {
  const auto args = taskhub::arguments(argc, argv);  // without --taskhub-* flags
  spinchain::settings s;
  taskhub::kernels::partition_options o;
  s.spins = args.size() > 1 ? std::atoi(args[1].c_str()) : 200;
  o.pieces = args.size() > 2 ? std::atoi(args[2].c_str()) : 6;
  o.max_steps = args.size() > 3 ? std::atoi(args[3].c_str()) : 200000;
  o.tolerance = args.size() > 4 ? std::atof(args[4].c_str()) : 1e-9;
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    const auto result = taskhub::kernels::partition<spinchain::chain>(hub, s, o);
    std::vector<double> theta;
    for (const auto& g : result.pieces) theta.insert(theta.end(), g.theta.begin() + 1, g.theta.end() - 1);
    int serial_steps = 0;
    const bool is_equal = theta == spinchain::serial(s, o.max_steps, o.tolerance, &serial_steps) &&
                          result.steps == serial_steps;
    // Relaxed, the chain is a uniform twist: every angle on the line from 0 to `twist`.
    double off_wave = 0;
    for (int i = 0; i < s.spins; ++i)
      off_wave = std::max(off_wave, std::fabs(theta[static_cast<std::size_t>(i)] - s.twist * i / (s.spins - 1)));
    const bool is_wave = off_wave < 1e-3;
    std::printf("spinchain: %d spins, %d pieces on %zu engines: %d steps, largest distance from the "
                "uniform spin wave %.2g; %s\n",
                s.spins, o.pieces, hub.engines().size(), result.steps, off_wave,
                is_equal ? "equal to the serial relaxation" : "DIFFERENT from the serial relaxation");
    return is_equal && is_wave ? 0 : 1;
  });
}
