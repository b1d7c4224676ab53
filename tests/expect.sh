#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# expect.sh EXIT PATTERN COUNT -- COMMAND...
# Runs COMMAND; passes when it exits with EXIT ("nonzero" for any failure) and its output
# (stdout and stderr) has exactly COUNT lines matching the extended regex PATTERN.
expected_exit=$1 pattern=$2 count=$3
shift 4
out=$("$@" 2>&1)
code=$?
printf '%s\n' "$out"
lines=$(printf '%s\n' "$out" | grep -c -E -- "$pattern")
if [ "$expected_exit" = nonzero ]; then
  [ "$code" -ne 0 ] || { echo "expect.sh: exit code 0, wanted non-zero"; exit 1; }
else
  [ "$code" -eq "$expected_exit" ] || { echo "expect.sh: exit code $code, wanted $expected_exit"; exit 1; }
fi
[ "$lines" -eq "$count" ] || { echo "expect.sh: $lines lines match '$pattern', wanted $count"; exit 1; }
echo "expect.sh: ok"
