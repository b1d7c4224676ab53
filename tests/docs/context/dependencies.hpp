// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the snippets of doc/dependencies.md use without defining it.
#pragma once

#include <vector>

#include <taskhub/taskhub.hpp>

struct parameters {
  double dt = 0;
  template <class A>
  void serialize(A& a, unsigned) {
    a & dt;
  }
};
double simulate(const parameters& p);
double plot(const parameters& p);
double report(const parameters& p);


inline parameters params;
inline parameters long_run, short_run;
