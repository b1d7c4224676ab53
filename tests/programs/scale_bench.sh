#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# scale_bench.sh BENCH MPIEXEC SVG
# Runs taskhub-bench --scale=4,8 in quick mode with simulated nodes of 3 ranks and fan-out 2, and
# checks its table (every size, flat and tree, each row complete, the tree's sub-hubs where the
# layout puts them) and its plot (a well-formed SVG with one line for flat and one for the tree,
# two points each).
bench=$1 mpiexec=$2 svg=$3
rm -f "$svg"
out=$("$bench" --scale=4,8 --quick=1 --fanout=2 --node-size=3 --timeout=120 --mpirun="$mpiexec" --plot="$svg" 2>&1)
code=$?
printf '%s\n' "$out"
fail() { echo "scale_bench.sh: $1"; exit 1; }
[ "$code" -eq 0 ] || fail "exit code $code, wanted 0"
# At 4 ranks, nodes {0,1,2} {3}: rank 1 relays for 2, and 3 is alone (2 engines); at 8, nodes
# {0,1,2} {3,4,5} {6,7}: rank 1 relays for 2, rank 3 for 4 and 5, rank 6 for 7 (4 engines).
for row in '^\| 4 \| flat \| 3 \|' '^\| 4 \| tree, 1 sub-hub \| 2 \|' '^\| 8 \| flat \| 7 \|' \
    '^\| 8 \| tree, 3 sub-hubs \| 4 \|'; do
  printf '%s\n' "$out" | grep -qE "$row" || fail "no row matching '$row'"
done
complete='^\| [48] \| [^|]+ \| [0-9]+ \| [0-9]+ \| [0-9.]+ \| [0-9.]+% \| [0-9.]+ / [0-9.]+ \| (at most )?[0-9.]+ \| (at most )?[0-9.]+ \|$'
rows=$(printf '%s\n' "$out" | grep -cE "$complete")
[ "$rows" -eq 4 ] || fail "$rows complete rows, wanted 4"
[ -s "$svg" ] || fail "no plot at $svg"
xmllint --noout "$svg" || fail "the plot is not well-formed XML"
grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' "$svg" || fail "the plot is no SVG"
lines=$(grep -cE '^<polyline [^>]*points="[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+"/>$' "$svg")
[ "$lines" -eq 2 ] || fail "$lines lines of two points in the plot, wanted 2"
echo "scale_bench.sh: ok"
