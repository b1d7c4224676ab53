#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Under `mpirun --enable-recovery`, which lets the other ranks live when one dies, a map goes on
# when an engine rank is killed with SIGKILL: the hub names the engine, its host and its task,
# runs what it held elsewhere, and every item ends with its value, through lanes and through MPI
# alone. When the hub itself is killed, the engines on its host say so and end instead of
# waiting forever, and the journal resumes.
# recovery.sh CAMPAIGN MPIRUN RANKS WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
set -u
campaign=$1 mpirun=$2 ranks=$3 work=$4
n=3000
fail() { echo "recovery.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export CAMPAIGN_MAP=1 CAMPAIGN_FIXED=1 CAMPAIGN_RETRIES=1
"$mpirun" -n "$ranks" "$campaign" $n clean.out >clean.txt 2>&1 ||
  fail "the run without kills failed: $(cat clean.txt)"

# The process of rank R among the launcher's children (Open MPI starts local ranks as its own).
rank_pid() {
  local p
  for p in $(pgrep -P "$1"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" &&
      echo "$p" && return
  done
}
# start NAME [mpirun flags]: the campaign under --enable-recovery, in the background.
start() {
  local name=$1
  shift
  : >"$name.log"
  CAMPAIGN_LOG=$work/$name.log "$mpirun" --enable-recovery -x CAMPAIGN_LOG "$@" -n "$ranks" \
    "$campaign" $n "$name.out" --taskhub-journal="$name.h5" >"$name.txt" 2>&1 &
  job=$!
}
# kill_rank_when R AT: kills rank R with SIGKILL once AT items have started; prints its process.
kill_rank_when() {
  for _ in $(seq 600); do
    [ "$(wc -l <"$name.log")" -ge "$2" ] && break
    sleep 0.02
  done
  local victim
  victim=$(rank_pid "$job" "$1")
  [ -n "$victim" ] || fail "no process of rank $1 under the launcher $job"
  kill -9 "$victim"
  echo "$victim"
}
# finish NAME: waits for the run, at most 120 s.
finish() {
  for _ in $(seq 1200); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$job" 2>/dev/null && { kill -9 "$job"; fail "$1: the run did not end: $(cat "$1.txt")"; }
  wait "$job"
}

left=$((ranks - 2))
for lanes in 1 0; do
  name=engine$lanes
  start $name -x TASKHUB_LANES=$lanes
  export TASKHUB_LANES=$lanes
  victim=$(kill_rank_when $((ranks - 1)) 300)
  unset TASKHUB_LANES
  finish $name
  code=$?
  [ "$code" -eq 0 ] || fail "$name: the run exited $code: $(cat $name.txt)"
  grep -E -q "^taskhub: engine $((ranks - 1)) on $(hostname) \(process $victim\) died (while idle|while running task [0-9]+ \(campaign::step\)); the run goes on with $left engines?" $name.txt ||
    fail "$name: no line names the dead engine (process $victim): $(cat $name.txt)"
  cmp -s $name.out clean.out || fail "$name: the results differ from a run without kills: $(diff $name.out clean.out | head -5)"
  echo "recovery.sh: lanes $lanes: $(grep ' died ' $name.txt | cut -c1-160)"
done

# The hub killed: the engines on its host end by themselves, and the journal resumes.
name=hub
start $name
victim=$(kill_rank_when 0 300)
finish $name
grep -q "the hub (rank 0, process $victim on $(hostname)) died" $name.txt ||
  fail "hub: the engines did not say the hub died: $(cat $name.txt)"
"$mpirun" -n "$ranks" "$campaign" $n hub.out --taskhub-journal=hub.h5 --taskhub-resume >resume.txt 2>&1 ||
  fail "hub: the resume failed: $(cat resume.txt)"
cmp -s hub.out clean.out || fail "hub: the resumed results differ: $(diff hub.out clean.out | head -5)"
echo "recovery.sh: hub: $(grep -c 'the hub (rank 0' $name.txt) engines said the hub died; $(cat resume.txt)"
echo "recovery.sh: ok"
