#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# The outcome log beside the journal: a killed run's outcomes since its last flush are served
# from it on resume; a record cut short at its end is dropped; a record whose checksum fails is
# dropped with one line and its task runs again; the results stay those of a run without kills.
# log.sh CAMPAIGN MPIRUN WORKDIR
# Runs the campaign in one process (taskhub's local backend, whose hub keeps the journal as under
# mpirun) with a flush interval of an hour, so that what finishes is only in the log, and kills it
# with SIGKILL part-way. Then resumes from copies of the journal and its log: as left, with the log
# cut short inside its last record, and with a byte of its last record flipped.
set -u
campaign=$1 mpirun=$2 work=$3
n=400
fail() { echo "log.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$campaign" $n clean.out >clean.txt 2>&1 || fail "the run without kills failed: $(cat clean.txt)"

CAMPAIGN_LOG=$work/ran.log "$campaign" $n killed.out --taskhub-journal=j.h5 \
  --taskhub-journal-flush=3600 >killed.txt 2>&1 &
job=$!
for _ in $(seq 600); do
  [ -f ran.log ] && [ "$(wc -l <ran.log)" -ge 200 ] && break
  sleep 0.02
done
kill -9 "$job"
wait "$job" 2>/dev/null
[ -s j.h5.log ] || fail "the killed run left no outcome log"

# resume NAME: resumes from a copy of the journal whose log is NAME.log; prints how many tasks
# the journal answered.
resume() {
  cp j.h5 "$1.h5"
  "$campaign" $n "$1.out" --taskhub-journal="$1.h5" --taskhub-resume >"$1.txt" 2>&1 ||
    fail "$1: the resume failed: $(cat "$1.txt")"
  cmp -s clean.out "$1.out" || fail "$1: the results differ from a run without kills"
  [ -e "$1.h5.log" ] && fail "$1: a run that ended left its outcome log"
  sed -n 's/^campaign: [0-9]* tasks, \([0-9]*\) answered from the journal$/\1/p' "$1.txt"
}
cp j.h5.log whole.h5.log
whole=$(resume whole)
[ "$whole" -gt 0 ] || fail "nothing was served from the log: $(cat whole.txt)"
grep -q "^taskhub: journal whole.h5: $whole outcome(s) taken from its outcome log whole.h5.log$" whole.txt ||
  fail "no line says what the log gave: $(cat whole.txt)"
echo "log.sh: killed with $(wc -l <ran.log) tasks started; the resume served $whole from the log"

size=$(stat -c %s j.h5.log)
head -c $((size - 3)) j.h5.log >torn.h5.log
torn=$(resume torn)
[ "$torn" -eq $((whole - 1)) ] || fail "the log cut short served $torn, wanted $((whole - 1))"
grep -q "damaged" torn.txt && fail "a record cut short was called damaged: $(cat torn.txt)"
echo "log.sh: cut short inside its last record: $torn served, the last task ran again"

cp j.h5.log flipped.h5.log
printf '\x55' | dd of=flipped.h5.log bs=1 seek=$((size - 2)) conv=notrunc status=none
flipped=$(resume flipped)
[ "$flipped" -eq $((whole - 1)) ] || fail "the flipped log served $flipped, wanted $((whole - 1))"
[ "$(grep -c "^taskhub: journal flipped.h5: 1 record(s) of its outcome log flipped.h5.log are damaged (their checksum fails) and dropped; those tasks run again$" flipped.txt)" -eq 1 ] ||
  fail "no one line names the damaged record: $(cat flipped.txt)"
echo "log.sh: a byte of its last record flipped: $flipped served, one line, the task ran again"
echo "log.sh: ok"
