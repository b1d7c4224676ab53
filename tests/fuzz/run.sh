#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# run.sh FUZZER CORPUS WORKDIR SECONDS: runs a libFuzzer target for SECONDS with a fixed seed,
# starting from the corpus in the repository; new inputs go to WORKDIR, never to the source
# tree. A crash, a leak of time (10 s per input) or of memory (2 GiB) fails the test and leaves
# the input in WORKDIR.
set -u
fuzzer=$1 corpus=$2 work=$3 seconds=$4
rm -rf "$work" && mkdir -p "$work/new" || exit 1
cd "$work" || exit 1
"$fuzzer" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -malloc_limit_mb=1024 -print_final_stats=1 new "$corpus" 2>fuzz.log
code=$?
tail -n 25 fuzz.log
[ "$code" -eq 0 ] && echo "run.sh: ok"
exit "$code"
