#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Finished means on disk: after kill -9 of a whole job, no task whose outcome the client saw runs
# again on resume; only what was in flight does.
# seen.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Runs tests/journal's campaign as one map of 2,000 items on 2 engines (each run of an item
# appends its index to the run's log; the client appends each index whose outcome it has to the
# run's seen file, unbuffered), kills it with SIGKILL at random moments, alternately mpirun first
# and its ranks a moment later, or every process of the job at once, resumes it each time, and at
# last resumes it to the end. Checks that no run runs an item a client of an earlier run saw, and
# that the final results are those of a run without kills. Prints how many items each resume ran
# again. SEEN_KILLS=K sets the kills; SEEN_AT=S kills each run once S of its items have started
# (to compare builds).
set -u
campaign=$1 mpirun=$2 work=$3
n=2000 kills=${SEEN_KILLS:-6}
fail() { echo "seen.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export CAMPAIGN_MAP=1
"$mpirun" -n 3 "$campaign" $n clean.out --taskhub-journal=clean.h5 >clean.txt 2>&1 ||
  fail "the run without kills failed: $(cat clean.txt)"

# run K [--taskhub-resume]: the campaign's run K, in a session of its own, in the background.
run() {
  local k=$1
  shift
  : >"run$k.log"
  : >"seen$k.txt"
  CAMPAIGN_LOG=$work/run$k.log CAMPAIGN_SEEN=$work/seen$k.txt setsid "$mpirun" -x CAMPAIGN_LOG \
    -x CAMPAIGN_SEEN -x CAMPAIGN_MAP -n 3 "$campaign" $n "out$k" --taskhub-journal=j.h5 "$@" \
    >"run$k.txt" 2>&1 &
  job=$!
}
# check K: run K ran no item that a client of runs 1..K-1 saw; prints how many it ran again.
check() {
  local k=$1
  sort -u "run$k.log" >ran.txt
  cat /dev/null $(seq -f "seen%g.txt" 1 $((k - 1))) | sort -u >seen_before.txt
  cat /dev/null $(seq -f "run%g.log" 1 $((k - 1))) | sort -u >ran_before.txt
  local again
  again=$(comm -12 ran.txt seen_before.txt | head -5 | tr '\n' ' ')
  [ -z "$again" ] || fail "run $k ran items whose outcome a client of an earlier run saw: $again"
  reruns=$(comm -12 ran.txt ran_before.txt | wc -l)
  total=$((total + reruns))
}

total=0 resume=()
for k in $(seq "$kills"); do
  run "$k" "${resume[@]}"
  left=$((n - $(cat seen*.txt | sort -u | wc -l)))
  at=$((RANDOM % (left / 3 + 1) + 10))  # a random moment in the first third of what is left
  at=${SEEN_AT:-$at}
  for _ in $(seq 600); do
    [ "$(wc -l <"run$k.log")" -ge "$at" ] && break
    kill -0 "$job" 2>/dev/null || break
    sleep 0.02
  done
  if [ $((k % 2)) -eq 1 ]; then
    how="mpirun, then its ranks"
    kill -9 "$job" 2>/dev/null
    sleep 0.2  # the ranks run on without mpirun for a moment, as when a node's launcher dies
    pkill -9 -s "$job"
  else
    how="the whole job"
    pkill -9 -s "$job"
  fi
  wait "$job" 2>/dev/null
  [ "$k" -gt 1 ] && check "$k" && echo "seen.sh: run $k (a resume) ran $reruns items again"
  echo "seen.sh: run $k killed ($how) after $(wc -l <"run$k.log") items started, its client saw $(wc -l <"seen$k.txt")"
  resume=(--taskhub-resume)
done
k=$((kills + 1))
run "$k" --taskhub-resume
wait "$job" || fail "the last resume failed: $(cat "run$k.txt")"
check "$k"
echo "seen.sh: run $k (the last resume) ran $reruns items again"
cmp -s clean.out "out$k" || fail "the results after $kills kills differ from a run without kills"
echo "seen.sh: $kills kills; the resumes ran $total items again, none whose outcome a client saw"
echo "seen.sh: ok"
