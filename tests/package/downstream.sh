#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# A downstream project that finds the installed taskhub with find_package.
# downstream.sh BUILD_DIR SOURCE_DIR WORK_DIR MPIRUN: installs the build into WORK_DIR/prefix,
# builds tests/package/downstream against it with find_package(taskhub), and runs it on 2 ranks.
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
set -e
build=$1 source=$2 work=$3 mpirun=$4
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source/tests/package/downstream" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  >/dev/null
cmake --build "$work/build" -j2 >/dev/null
"$mpirun" -n 2 "$work/build/downstream"
