// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the snippets of doc/guide.md use without defining it.
#pragma once

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <taskhub/taskhub.hpp>

double f(double x);
double g(double x);
double area(double width, double height);
int next_square(int n);
double simulate(const std::vector<double>& input);
std::vector<double> load_block(int i);
std::vector<double> smooth(const std::vector<double>& block);
double compare(const std::vector<double>& a, const std::vector<double>& b);
template <class... T>
void use(const T&...);

inline double x = 1;
inline std::vector<double> xs, ys, table, big_vector, big, small;
inline std::vector<int> endless_range;  // any range; imap reads it as results are taken
