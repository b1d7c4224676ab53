#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# downstream.sh BUILD_DIR SOURCE_DIR WORK_DIR MPIEXEC: installs the build into WORK_DIR/prefix,
# builds tests/downstream against it with find_package(taskhub), and runs it on 2 ranks.
set -e
build=$1 source=$2 work=$3 mpiexec=$4
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source/tests/downstream" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" -j2 >/dev/null
"$mpiexec" --allow-run-as-root --oversubscribe -n 2 "$work/build/downstream"
