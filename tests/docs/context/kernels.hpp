// SPDX-License-Identifier: MIT
// Part of taskhub.
// What the snippets of doc/kernels.md use without defining it.
#pragma once

#include <taskhub/taskhub.hpp>

#include <map>
#include <vector>

#include <taskhub/kernels/dataflow.hpp>
#include <taskhub/kernels/partition.hpp>
