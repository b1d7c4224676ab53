#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Sets up and builds, then runs the whole test suite (MPI tests at 1, 2 and 4 ranks), then
# builds the asan preset (Clang, AddressSanitizer and UndefinedBehaviorSanitizer, the fuzz
# targets) into build-asan and runs the suite again there.
set -e
cd "$(dirname "$0")/.."
./scripts/setup.sh
ctest --test-dir build -j2 --output-on-failure
cmake --preset asan
cmake --build --preset asan
ctest --preset asan
