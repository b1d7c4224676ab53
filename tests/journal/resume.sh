#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# A journaled campaign killed part-way resumes from its journal.
# resume.sh CAMPAIGN MPIRUN RANKS WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Kills a journaled campaign with SIGKILL part-way (the whole mpirun process group), resumes it
# from its journal, and checks: the results equal an uninterrupted run; tasks the journal
# answered did not run again; every other task ran; something was answered and something ran.
set -u
campaign=$1 mpirun=$2 ranks=$3 work=$4
n=3000
fail() { echo "resume.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
run() { "$mpirun" -x CAMPAIGN_LOG -n "$ranks" "$campaign" "$@"; }

CAMPAIGN_LOG=$work/clean.log run $n clean.out >/dev/null || fail "the uninterrupted run failed"

export CAMPAIGN_LOG=$work/first.log
setsid "$mpirun" -x CAMPAIGN_LOG -n "$ranks" \
  "$campaign" $n resumed.out --taskhub-journal=j.h5 --taskhub-journal-flush=0.2 &
job=$!
for _ in $(seq 600); do
  [ -f first.log ] && [ "$(wc -l < first.log)" -ge $((n / 3)) ] && break
  sleep 0.05
done
sleep 0.5
pkill -9 -s "$job"  # mpirun and every rank: the ranks have process groups of their own
wait "$job" 2>/dev/null
sleep 0.5
[ -f resumed.out ] && fail "the first run finished before it was killed"
ran_first=$(sort -un first.log | wc -l)
echo "resume.sh: killed the first run after $ran_first of $n tasks ran"

export CAMPAIGN_LOG=$work/second.log
run $n resumed.out --taskhub-journal=j.h5 --taskhub-resume 2>&1 | tee second.txt \
  || fail "the resumed run failed"
cmp -s clean.out resumed.out || fail "the resumed results differ from the uninterrupted run"
restored=$(wc -l < resumed.out.restored)
touch second.log
again=$(sort -n second.log | uniq -d | wc -l)
both=$(comm -12 <(sort resumed.out.restored) <(sort second.log) | wc -l)
missing=$(comm -23 <(seq 0 $((n - 1)) | sort) <(sort -u resumed.out.restored second.log) | wc -l)
unlogged=$(comm -23 <(sort resumed.out.restored) <(sort -u first.log) | wc -l)
echo "resume.sh: $restored answered from the journal, $(wc -l < second.log) ran again"
[ "$restored" -gt 0 ] || fail "nothing was answered from the journal"
[ "$restored" -lt "$n" ] || fail "everything was answered: the kill came too late"
[ "$both" -eq 0 ] || fail "$both tasks answered from the journal also ran again"
[ "$again" -eq 0 ] || fail "$again tasks ran twice in the resumed run"
[ "$missing" -eq 0 ] || fail "$missing tasks neither ran nor came from the journal"
[ "$unlogged" -eq 0 ] || fail "$unlogged answered tasks never ran in the first run"

# The journal holds both runs, readable by h5dump.
runs=$(h5dump -d /runs j.h5 | grep -c '^   ([0-9]*): {')
[ "$runs" -eq 2 ] || fail "the journal has $runs runs, wanted 2"
echo "resume.sh: ok"
