#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# The dataflow kernels of the audio example: bounded memory, checkpoint and restore.
# dataflow.sh AUDIO MPIRUN RANKS WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# 1. Memory stays bounded: with a slow last stage, no stage ever holds more than its credits
#    (window per sender, plus the stream's end) however long the stream.
# 2. Checkpoint and restore: a run killed with SIGKILL (the whole mpirun) after a checkpoint,
#    restarted with --restore, makes only the items after the checkpoint and its output equals
#    the serial chain (the program checks that).
set -u
audio=$1 mpirun=$2 ranks=$3 work=$4
fail() { echo "dataflow.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
run() { "$mpirun" -n "$ranks" "$audio" "$@"; }
held() { sed -n 's/.*at most \([0-9]*\) messages held.*/\1/p' "$1"; }

window=2
for items in 300 3000; do
  run --items=$items --slow-measure=200 --window=$window > bound$items.txt 2>&1 || fail "$(cat bound$items.txt)"
  grep -q "equal to the serial chain" bound$items.txt || fail "bounded run: $(cat bound$items.txt)"
  h=$(held bound$items.txt)
  # Two senders at most feed a stage here (a stage after two replicas), each with `window` credits
  # and one end-of-stream message.
  [ "$h" -le $((2 * (window + 1))) ] || fail "$items items: a stage held $h messages"
  echo "dataflow.sh: $items items with a slow last stage: a stage held at most $h messages"
done

setsid "$mpirun" -n "$ranks" "$audio" \
  --items=2000 --slow-measure=2000 --checkpoint=cp.h5 --every=100 > first.txt 2>&1 &
job=$!
for _ in $(seq 400); do [ -f cp.h5 ] && break; sleep 0.05; done
[ -f cp.h5 ] || fail "no checkpoint appeared"
sleep 1
pkill -9 -s "$job"
wait "$job" 2>/dev/null
grep -q "audio:" first.txt && fail "the first run finished before it was killed"
next=$(h5dump -a /next_item cp.h5 | sed -n 's/^ *(0): \([0-9]*\)$/\1/p')
echo "dataflow.sh: killed the first run; its last checkpoint resumes at item $next"
run --items=2000 --slow-measure=2000 --checkpoint=cp.h5 --every=100 --restore > second.txt 2>&1 ||
  fail "the restored run failed: $(cat second.txt)"
cat second.txt
grep -q "first item $next," second.txt || fail "the restored run did not start at item $next"
[ "$next" -gt 0 ] && [ "$next" -lt 2000 ] || fail "checkpoint at item $next, wanted one part-way"
grep -q "equal to the serial chain" second.txt || fail "the restored output differs"
echo "dataflow.sh: ok"
