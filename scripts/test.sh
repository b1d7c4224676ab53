#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Sets up and builds, then runs the whole test suite (MPI tests at 1, 2 and 4 ranks).
set -e
cd "$(dirname "$0")/.."
./scripts/setup.sh
ctest --test-dir build -j2 --output-on-failure
