#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# waits.sh PROGRAM MPIRUN SCENARIO RANKS WORKDIR: runs tests/watchdog/waits.cpp in one scenario
# and checks what the watchdog printed and the graph it wrote.
# chain: a chain stuck behind a long task is reported, with the running task and its engine.
# deadlock: a cycle of nested waits is named as a deadlock, and the graph shows it.
# signal: SIGUSR1 to rank 0 prints the report at once, without --taskhub-watchdog; so does
# SIGUSR1 to mpirun, which passes it to every rank.
# stop: an engine stopped with SIGSTOP while it runs a task is reported as not answering; the
# same engine running the task before the stop is not.
# hang: an engine whose thread hangs outside a task (in a signal handler) is reported as hung.
set -u
program=$1 mpirun=$2 scenario=$3 n=$4 work=$5
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
pid= stopped=
fail() {
  echo "waits.sh: FAILED ($scenario at $n ranks): $*"
  [ -f out ] && sed 's/^/  out: /' out | tail -40
  [ -f err ] && sed 's/^/  err: /' err | tail -60
  exit 1
}
cleanup() {
  [ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null
  touch release
  [ -n "$pid" ] && { sleep 2; kill "$pid" 2>/dev/null; }
}
trap cleanup EXIT
# wait_for REGEX SECONDS FILE: waits until a line of FILE matches.
wait_for() {
  local i=0
  while ! grep -q -E -- "$1" "$3" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt $(($2 * 10)) ] && return 1
    sleep 0.1
  done
}
# valid_dot FILE: dot parses it when graphviz is installed; otherwise every line has the shape
# of the graphs taskhub writes.
valid_dot() {
  [ -s "$1" ] || return 1
  if command -v dot >/dev/null; then dot -Tsvg "$1" >/dev/null 2>&1; return; fi
  awk 'NR == 1 { if ($0 != "digraph taskhub_waits {") exit 1; next }
       closed { exit 1 }
       /^}$/ { closed = 1; next }
       /^  node \[shape=box\];$/ { next }
       /^  \/\/ / { next }
       /^  t[0-9]+ \[label="[^"]*"(, style=dashed)?\];$/ { next }
       /^  t[0-9]+ -> t[0-9]+ \[label="[a-z ]+"(, color=red)?\];$/ { next }
       { exit 1 }
       END { if (!closed) exit 1 }' "$1"
}
running="running waits::sleep_until#[0-9]+ for [0-9.]+ s"
case $scenario in
  chain)
    timeout 100 "$mpirun" -n "$n" "$program" chain release --taskhub-watchdog=0.5 >out 2>err ||
      fail "exit $?"
    grep -q "^chain: ok" out || fail "hub.wait_report() was not as expected"
    grep -q "^taskhub: what the run waits for (no task started or finished for" err ||
      fail "the watchdog printed no report"
    grep -q -E "^taskhub: task waits::square#[0-9]+ waits for after waits::sleep_until#[0-9]+ \(running on engine [0-9]+ \(.*\) for [0-9.]+ s\)$" err ||
      fail "the printed report lacks the waiting task and its parent"
    grep -q -E "^taskhub: engine [0-9]+ \(.*\): $running$" err ||
      fail "the printed report lacks the running task"
    valid_dot taskhub-waits.dot || fail "taskhub-waits.dot is not a valid graph"
    ;;
  deadlock)
    timeout 100 "$mpirun" -n "$n" "$program" deadlock release --taskhub-watchdog=0.5 \
      --taskhub-watchdog-dot=cycle.dot >out 2>err || fail "exit $?"
    grep -q "^deadlock: ok" out || fail "hub.wait_report() did not name the deadlock"
    grep -q -E "^taskhub: deadlock of nested waits: waits::waits_inside#" err ||
      fail "the watchdog did not name the deadlock"
    valid_dot cycle.dot || fail "cycle.dot is not a valid graph"
    [ "$(grep -c 'color=red' cycle.dot)" -eq 3 ] || fail "cycle.dot does not show the cycle"
    ;;
  signal)
    timeout 100 "$mpirun" -n "$n" "$program" signal release >out 2>err &
    pid=$!
    wait_for "^ready" 30 out || fail "the program did not start"
    kill -USR1 "$(sed -n 's/^rank 0 pid //p' out)"
    wait_for "^taskhub: wrote the graph of unfinished tasks to taskhub-waits.dot" 10 err ||
      fail "SIGUSR1 gave no report"
    grep -q "^taskhub: what the run waits for (asked by SIGUSR1):" err || fail "no report header"
    grep -q -E "^taskhub: engine [0-9]+ \(.*\): $running$" err || fail "the report lacks the running task"
    valid_dot taskhub-waits.dot || fail "taskhub-waits.dot is not a valid graph"
    # mpirun passes the signal to every rank: rank 0 reports again, and the engines live on.
    kill -USR1 "$(pgrep -P "$pid" | head -1)"
    i=0
    while [ "$(grep -c '^taskhub: what the run waits for (asked by SIGUSR1)' err)" -lt 2 ]; do
      i=$((i + 1))
      [ $i -gt 100 ] && fail "SIGUSR1 to mpirun gave no report"
      sleep 0.1
    done
    touch release
    wait "$pid" || fail "exit $?"
    pid=
    grep -q "^long task: ok" out || fail "the long task failed"
    ;;
  stop)
    timeout 100 "$mpirun" -n "$n" "$program" stop release --taskhub-watchdog=1 >out 2>err &
    pid=$!
    wait_for "^ready" 30 out || fail "the program did not start"
    engine=$(sed -n 's/^engine \([0-9]*\) pid .*/\1/p' out | head -1)
    victim=$(sed -n "s/^engine $engine pid //p" out)
    # A long task is not silence: reports come, since nothing starts or finishes, and none says
    # that an engine is not answering.
    wait_for "^taskhub: engine $engine \(.*\): $running$" 10 err || fail "no report while the task ran"
    sleep 1.5
    grep -q "not answering" err && fail "an engine running a long task was reported as not answering"
    kill -STOP "$victim" && stopped=$victim
    wait_for "^taskhub: engine $engine \(.*\): $running; not answering for [0-9.]+ s: its process does not run" 15 err ||
      fail "the stopped engine was not reported"
    grep -q "^taskhub: what the run waits for (an engine stopped answering):" err || fail "no header"
    kill -CONT "$victim"
    stopped=
    touch release
    wait "$pid" || fail "exit $?"
    pid=
    grep -q "^long task: ok" out || fail "the long task failed"
    ;;
  hang)
    timeout 100 "$mpirun" -n "$n" "$program" hang release --taskhub-watchdog=1 >out 2>err &
    pid=$!
    wait_for "^ready" 30 out || fail "the program did not start"
    wait_for "^taskhub: engine [0-9]+ \(.*\): not answering for [0-9.]+ s: it holds no task and its loop has not turned \(hung outside a task\)$" 15 err ||
      fail "the hung engine was not reported"
    touch release
    wait "$pid" || fail "exit $?"
    pid=
    grep -q "^hang: ok" out || fail "the engine did not serve again"
    ;;
  *) fail "unknown scenario" ;;
esac
echo "waits.sh: $scenario at $n ranks: $(grep -c '^taskhub: what the run waits for' err) report(s)"
echo "waits.sh: ok"
