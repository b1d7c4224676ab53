#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Under `mpirun --enable-recovery`, which lets the other ranks live when one dies, a map goes on
# when an engine rank is killed with SIGKILL: the hub names the engine, its host and its task,
# runs what it held elsewhere, and every item ends with its value, through lanes and through MPI
# alone. When the hub itself is killed, the engines on its host say so and end instead of
# waiting forever, and the journal resumes.
# With `tree` (9 ranks, fan-out 2 over simulated nodes of 3: sub-hub 1 relays to engine 2, sub-hub
# 3 to 4 and 5 and talks to 1, sub-hub 6 to 7 and 8), the same through sub-hubs: an engine killed
# behind a sub-hub on another (simulated) node is named by the root, told by its sub-hub; and
# (fan-out 3 on one node: sub-hub 1 relays to 2, 3 and 4, sub-hub 5 to 6, 7 and 8) a sub-hub
# killed on the root's node costs its engines, which say so and end, and the rest finishes the map.
# recovery.sh CAMPAIGN MPIRUN RANKS [tree] WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
set -u
campaign=$1 mpirun=$2 ranks=$3 layout= work=$4
[ $# -ge 5 ] && layout=$4 work=$5
n=3000
[ "$layout" = tree ] && n=12000  # five or six engines: long enough to be killed in the middle
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

# expect_run NAME: the run exited 0 and its results are those of the run without kills.
expect_run() {
  local code=$1
  [ "$code" -eq 0 ] || fail "$name: the run exited $code: $(cat $name.txt)"
  cmp -s $name.out clean.out || fail "$name: the results differ from a run without kills: $(diff $name.out clean.out | head -5)"
}

if [ "$layout" = tree ]; then
  tree="-x TASKHUB_FANOUT=2"
  # Engine 8, behind sub-hub 6 on simulated node 2: the root cannot see it, its sub-hub does.
  for lanes in 1 0; do
    name=tree_engine$lanes
    start $name -x TASKHUB_LANES=$lanes $tree -x TASKHUB_NODE_SIZE=3
    victim=$(kill_rank_when 8 300)
    finish $name
    expect_run $?
    grep -E -q "^taskhub: engine 8 on $(hostname)#2 \(process $victim\) died (while idle|while running task [0-9]+ \(campaign::step\)); the run goes on with 4 engines, and what it held runs elsewhere$" $name.txt ||
      fail "$name: no line names the dead engine (process $victim): $(cat $name.txt)"
    echo "recovery.sh: tree, lanes $lanes: $(grep ' died ' $name.txt | cut -c1-160)"
  done
  # Sub-hub 5, on the root's node: engines 6, 7 and 8 are lost, say so and end; 2, 3, 4 finish.
  name=tree_sub_hub
  start $name -x TASKHUB_FANOUT=3
  victim=$(kill_rank_when 5 300)
  finish $name
  expect_run $?
  grep -E -q "^taskhub: sub-hub 5 on $(hostname) \(process $victim\) died; engines 6, 7 and 8 behind it are lost( while idle|, with task [0-9]+ \(campaign::step\)((, | and )task [0-9]+ \(campaign::step\))* running); the run goes on with 3 engines, and what they held runs elsewhere$" $name.txt ||
    fail "$name: no line names the dead sub-hub (process $victim) and its engines: $(cat $name.txt)"
  for e in 6 7 8; do
    grep -q "^taskhub: engine $e: its sub-hub (rank 5, process $victim on $(hostname)) died, and nothing is left to tell this engine to stop: it ends$" $name.txt ||
      fail "$name: engine $e did not say its sub-hub died: $(cat $name.txt)"
  done
  [ "$(grep -c ' died' $name.txt)" -eq 4 ] || fail "$name: other deaths were told: $(cat $name.txt)"
  echo "recovery.sh: tree, sub-hub: $(grep 'sub-hub 5 on' $name.txt | cut -c1-200)"
  echo "recovery.sh: ok"
  exit 0
fi

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
