#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# The installed package, as a downstream project meets it.
# downstream.sh BUILD_DIR SOURCE_DIR WORK_DIR MPIRUN
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Installs the build into WORK_DIR/prefix and checks: the docs, examples, Slurm templates and
# usage texts are there; tests/package/downstream builds with find_package(taskhub) without
# enabling C, and runs on 2 ranks; find_package(taskhub QUIET) with a dependency missing reports
# not-found and the configure goes on; a program built with `pkg-config taskhub` runs; and the
# runtime built with TASKHUB_SHARED is a shared library with a SONAME that the downstream uses.
set -u
build=$1 source=$2 work=$3 mpirun=$4
fail() { echo "downstream.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || fail "install: $(tail -n 5 "$work/install.log")"

for f in share/doc/taskhub/README.md share/doc/taskhub/guide.md share/doc/taskhub/journal.md \
  share/taskhub/examples/quickstart/main.cpp share/taskhub/slurm/campaign.sbatch \
  share/taskhub/slurm/README.md lib/pkgconfig/taskhub.pc lib/cmake/taskhub/taskhub-config.cmake; do
  [ -s "$prefix/$f" ] || fail "the package has no $f"
done
[ -x "$prefix/share/taskhub/slurm/campaign.sbatch" ] || fail "the installed Slurm templates are not executable"
for d in taskhub-farm taskhub-report taskhub-bench; do
  grep -q "^usage: .*$d" "$prefix/share/doc/taskhub/usage/$d.txt" 2>/dev/null || fail "no usage text for $d"
done
echo "downstream.sh: docs, examples, Slurm templates and usage texts installed"

# find_package(taskhub), in a project that enables C++ only.
cmake -S "$source/tests/package/downstream" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/configure.log" 2>&1 || fail "configure with find_package: $(tail -n 20 "$work/configure.log")"
cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || fail "build: $(tail -n 20 "$work/build.log")"
# run NAME PROGRAM: runs it on 2 ranks; it prints the sum of 4 cubes.
run() {
  "$mpirun" -n 2 "$2" >"$work/$1.out" 2>&1 || fail "the $1 downstream failed: $(tail -n 20 "$work/$1.out")"
  grep -q "^downstream: sum of cubes 100 on 1 engines" "$work/$1.out" ||
    fail "the $1 downstream printed: $(cat "$work/$1.out")"
  echo "downstream.sh: $1: $(grep '^downstream:' "$work/$1.out")"
}
run find_package "$work/build/downstream"

# find_package(taskhub QUIET) with Boost hidden: not found, and the configure goes on.
cmake -S "$source/tests/package/downstream" -B "$work/optional" -DCMAKE_PREFIX_PATH="$prefix" \
  -DDOWNSTREAM_OPTIONAL=ON -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON >"$work/optional.log" 2>&1 ||
  fail "find_package(taskhub QUIET) with a missing dependency aborted the configure: $(tail -n 20 "$work/optional.log")"
grep -q "downstream: taskhub_FOUND=0" "$work/optional.log" ||
  fail "find_package(taskhub QUIET) with Boost missing: $(grep downstream: "$work/optional.log")"
echo "downstream.sh: find_package(taskhub QUIET) with Boost missing reports not-found and goes on"

# pkg-config.
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs taskhub) ||
  fail "pkg-config does not know taskhub"
c++ -O1 "$source/tests/package/downstream/main.cpp" -o "$work/pc-downstream" $flags \
  >"$work/pc.log" 2>&1 || fail "a build with pkg-config's flags failed: $(tail -n 20 "$work/pc.log")"
run pkg-config "$work/pc-downstream"

# The runtime as a shared library with a SONAME.
cmake -S "$source" -B "$work/shared-build" -DTASKHUB_SHARED=ON -DTASKHUB_BUILD_TESTS=OFF \
  -DTASKHUB_BUILD_EXAMPLES=OFF -DTASKHUB_BUILD_DRIVERS=OFF >"$work/shared.log" 2>&1 &&
  cmake --build "$work/shared-build" -j2 >>"$work/shared.log" 2>&1 &&
  cmake --install "$work/shared-build" --prefix "$work/shared" >>"$work/shared.log" 2>&1 ||
  fail "the shared build failed: $(tail -n 20 "$work/shared.log")"
lib=$(ls "$work"/shared/lib*/libtaskhub_runtime.so.0.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || fail "no libtaskhub_runtime.so.0.* installed"
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libtaskhub_runtime.so.0 ] || fail "SONAME is '$soname', wanted libtaskhub_runtime.so.0"
cmake -S "$source/tests/package/downstream" -B "$work/shared-downstream" \
  -DCMAKE_PREFIX_PATH="$work/shared" >"$work/shared-downstream.log" 2>&1 &&
  cmake --build "$work/shared-downstream" -j2 >>"$work/shared-downstream.log" 2>&1 ||
  fail "the downstream on the shared runtime failed to build: $(tail -n 20 "$work/shared-downstream.log")"
ldd "$work/shared-downstream/downstream" | grep -q "libtaskhub_runtime.so.0 => $work/shared" ||
  fail "the downstream does not load the shared runtime: $(ldd "$work/shared-downstream/downstream" | grep taskhub)"
run shared "$work/shared-downstream/downstream"
echo "downstream.sh: the shared runtime has SONAME $soname"
echo "downstream.sh: ok"
