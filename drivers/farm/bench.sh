#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# bench.sh FARM [N] [WORKERS]
# Overhead per task of taskhub-farm against GNU parallel in the same run: N `true` commands
# (default 10,000) on WORKERS workers (default 2: engines for the farm, jobs for parallel).
# Installs GNU parallel (Debian package `parallel`) when it is missing.
set -eu
farm=$1 n=${2:-10000} workers=${3:-2}
if ! command -v parallel >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends parallel >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
yes true | head -n "$n" > "$work/tasks.txt"
now() { date +%s.%N; }

t0=$(now)
parallel --will-cite -j "$workers" < "$work/tasks.txt"
t1=$(now)
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun --oversubscribe --bind-to none -n $((workers + 1)) "$farm" "$work/tasks.txt" \
  --journal="$work/j.h5" > "$work/farm.txt"
t2=$(now)
inner=$(sed -n 's/.* in \([0-9.]*\) s,.*/\1/p' "$work/farm.txt")
awk -v n="$n" -v w="$workers" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v i="$inner" 'BEGIN {
  p = t1 - t0; f = t2 - t1
  printf "farm-bench: %d `true` commands, %d workers\n", n, w
  printf "%-28s %10s %14s\n", "", "wall s", "us per task"
  printf "%-28s %10.2f %14.1f\n", "GNU parallel", p, p / n * 1e6
  printf "%-28s %10.2f %14.1f\n", "taskhub-farm (whole job)", f, f / n * 1e6
  printf "%-28s %10.2f %14.1f\n", "taskhub-farm (tasks only)", i, i / n * 1e6
  printf "ratio parallel/farm: %.2f (whole job), %.2f (tasks only)\n", p / f, p / i
}'
