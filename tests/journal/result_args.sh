# It dies while a task that takes its result waits for the value on another engine.
RESULT_ARGS_LOSE=2 timeout 120 "$mpirun" --enable-recovery -x RESULT_ARGS_LOSE -n 3 "$program" >lose2.txt 2>&1
grep -q "result_args: ok" lose2.txt ||
  fail "losing the engine that keeps a result a sent task waits for: $(cat lose2.txt)"
#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Results as arguments across a resume (see result_args.cpp): a first run writes the journal, a
# resumed run answers what it can from it and runs kept parents again; then, under
# --enable-recovery, the engine that keeps a result is killed.
# result_args.sh CAMPAIGN MPIRUN PROGRAM WORKDIR
set -u
mpirun=$2 program=$3 work=$4
fail() { echo "result_args.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
for ranks in 3 5; do
  rm -f j.h5
  "$mpirun" -n $ranks "$program" --taskhub-journal=j.h5 >first.txt 2>&1 ||
    fail "the first run at -n $ranks failed: $(cat first.txt)"
  grep -q "result_args: ok" first.txt || fail "the first run at -n $ranks: $(cat first.txt)"
  "$mpirun" -n $ranks "$program" --taskhub-journal=j.h5 --taskhub-resume >resumed.txt 2>&1 ||
    fail "the resumed run at -n $ranks failed: $(cat resumed.txt)"
  grep -q "result_args: ok" resumed.txt || fail "the resumed run at -n $ranks: $(cat resumed.txt)"
done
# The engine that keeps a result dies (the launcher lets the others run).
RESULT_ARGS_LOSE=1 "$mpirun" --enable-recovery -x RESULT_ARGS_LOSE -n 3 "$program" >lose.txt 2>&1
grep -q "result_args: ok" lose.txt || fail "losing the engine that keeps a result: $(cat lose.txt)"
# It dies while a task that takes its result waits for the value on another engine.
RESULT_ARGS_LOSE=2 timeout 120 "$mpirun" --enable-recovery -x RESULT_ARGS_LOSE -n 3 "$program" \
  >lose2.txt 2>&1
grep -q "result_args: ok" lose2.txt ||
  fail "losing the engine that keeps a result a sent task waits for: $(cat lose2.txt)"
echo "result_args.sh: ok"
