// SPDX-License-Identifier: MIT
// Part of taskhub.
// The whole public API in one include.
#pragma once

#include "taskhub/array_view.hpp"
#include "taskhub/direct_view.hpp"
#include "taskhub/engine.hpp"
#include "taskhub/error.hpp"
#include "taskhub/future.hpp"
#include "taskhub/future_set.hpp"
#include "taskhub/hub.hpp"
#include "taskhub/load_balanced_view.hpp"
#include "taskhub/map.hpp"
#include "taskhub/run.hpp"
#include "taskhub/scheme.hpp"
#include "taskhub/task_options.hpp"
#include "taskhub/task_record.hpp"
#include "taskhub/traffic.hpp"
