#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# A rebuilt program is told, not silently served: resuming a journal with another build of the
# program is refused with one line naming both builds and the flag that accepts it, before any
# task runs and without touching the journal; with --taskhub-accept-rebuild it is served.
# rebuild.sh CAMPAIGN MPIRUN REBUILT WORKDIR
# REBUILT is the campaign built from the same source with another body of its task function.
set -u
campaign=$1 mpirun=$2 rebuilt=$3 work=$4
n=40
fail() { echo "rebuild.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
build_of() { readelf -n "$1" | awk '/Build ID/ { print $3 }'; }
"$mpirun" -n 2 "$campaign" $n first.out --taskhub-journal=j.h5 >first.txt 2>&1 ||
  fail "the first run failed: $(cat first.txt)"
h5dump -d /runs j.h5 | grep -q "build-id:$(build_of "$campaign")" ||
  fail "the journal's /runs does not hold the build-id $(build_of "$campaign")"

# The same build resumes as before.
"$mpirun" -n 2 "$campaign" $n same.out --taskhub-journal=j.h5 --taskhub-resume >same.txt 2>&1 ||
  fail "the same build's resume failed: $(cat same.txt)"
[ "$(wc -l <same.out.restored)" -eq $n ] || fail "the same build was not served"

# Another build is refused, with one line, exit 2, no task run, the journal untouched.
cp j.h5 before.h5
# (In one process, taskhub's local backend, whose hub writes the journal as under mpirun: the
# output is the program's alone.)
CAMPAIGN_LOG=$work/refused.log "$rebuilt" $n refused.out --taskhub-journal=j.h5 --taskhub-resume \
  >refused.txt 2>&1
code=$?
[ "$code" -eq 2 ] || fail "the rebuilt program's resume ended with $code: $(cat refused.txt)"
[ "$(grep -c . refused.txt)" -eq 1 ] || fail "the refusal is not one line: $(cat refused.txt)"
line=$(cat refused.txt)
echo "$line" | grep -q "build-id:$(build_of "$campaign")" || fail "the line does not name the old build: $line"
echo "$line" | grep -q "build-id:$(build_of "$rebuilt")" || fail "the line does not name this build: $line"
echo "$line" | grep -q -- "--taskhub-accept-rebuild" || fail "the line does not name the flag: $line"
[ -e refused.log ] && fail "tasks ran before the refusal"
cmp -s j.h5 before.h5 || fail "the refusal changed the journal"
[ -e j.h5.resume ] && fail "the refusal left j.h5.resume"
echo "rebuild.sh: refused: $line"

# With the flag, the rebuilt program is served the stored results (its own would differ).
"$mpirun" -n 2 "$rebuilt" $n accepted.out --taskhub-journal=j.h5 --taskhub-resume \
  --taskhub-accept-rebuild >accepted.txt 2>&1 || fail "the accepted resume failed: $(cat accepted.txt)"
[ "$(wc -l <accepted.out.restored)" -eq $n ] || fail "the accepted rebuild was not served"
cmp -s first.out accepted.out || fail "the accepted rebuild was not served the stored results"
# Accepted once, the journal's last run is the new build's: it resumes without the flag.
"$mpirun" -n 2 "$rebuilt" $n again.out --taskhub-journal=j.h5 --taskhub-resume >again.txt 2>&1 ||
  fail "the new build's next resume failed: $(cat again.txt)"
cmp -s first.out again.out || fail "the new build's next resume was not served"
# A wrong value of the flag is refused as the other flags are.
"$campaign" $n bad.out --taskhub-journal=j.h5 --taskhub-resume --taskhub-accept-rebuild=maybe \
  >bad.txt 2>&1
[ $? -eq 2 ] && grep -q "accept-rebuild=maybe" bad.txt || fail "a bad value was not refused: $(cat bad.txt)"
echo "rebuild.sh: ok"
