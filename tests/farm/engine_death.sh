#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# An engine rank killed with SIGKILL: the launcher ends every rank, the hub names the engine that
# is gone, its host and the task it ran, the journal keeps what finished, and a resume finishes
# the rest. A run ended by SIGTERM from outside says so too. Under `mpirun --enable-recovery`,
# which lets the other ranks live, the run goes on without the dead engine: its task runs again
# elsewhere (a retry), and every task finishes in the same run.
# engine_death.sh FARM MPIRUN RANKS WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
set -u
farm=$1 mpirun=$2 ranks=$3 work=$4
fail() { echo "engine_death.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

# Line 12 kills the engine that runs it (the outermost taskhub-farm process above the command),
# once: the resumed run finds the mark and finishes.
cat > killer.sh <<'KILL'
[ -e killed.mark ] && exit 0
p=$PPID
while [ "$(cat /proc/$(awk '{print $4}' /proc/$p/stat)/comm)" = taskhub-farm ]; do
  p=$(awk '{print $4}' /proc/$p/stat)
done
echo "$p" > killed.mark
kill -9 "$p"
sleep 5
KILL
for i in $(seq 1 30); do
  if [ "$i" -eq 12 ]; then echo "sh killer.sh; echo $i >> done.log"
  else echo "sleep 0.2; echo $i >> done.log"; fi
done > tasks.txt

"$mpirun" -n "$ranks" "$farm" tasks.txt --journal=j.h5 > out1.txt 2> err1.txt
code=$?
[ "$code" -ne 0 ] || fail "the run with a killed engine exited 0"
[ -s killed.mark ] || fail "the killer task did not run: $(cat err1.txt)"
victim=$(cat killed.mark)
grep -q "^taskhub: the run was ended by SIGTERM: an engine died" err1.txt ||
  fail "no line says an engine died: $(cat err1.txt)"
grep -E -q "^taskhub: engine [0-9]+ \(pid $victim on $(hostname)\) is gone; it was running task [0-9]+ \(farm::run_command\)" err1.txt ||
  fail "no line names the dead engine (pid $victim), its host and its task: $(cat err1.txt)"
[ "$(grep -c ' is gone;' err1.txt)" -eq 1 ] || fail "an engine still alive was called gone: $(cat err1.txt)"
grep -q "^taskhub: every task that finished is in the journal j.h5" err1.txt ||
  fail "no line points to the journal: $(cat err1.txt)"
first=$(sort -u done.log 2>/dev/null | wc -l)
echo "engine_death.sh: killed engine pid $victim; $first tasks had finished; $(grep ' is gone;' err1.txt)"

# The journal is whole: the resume answers what finished and runs the rest.
"$mpirun" -n "$ranks" "$farm" tasks.txt --journal=j.h5 --resume > out2.txt 2> err2.txt ||
  fail "the resume failed: $(cat err2.txt)"
[ "$(sort -u done.log | wc -l)" -eq 30 ] || fail "after the resume $(sort -u done.log | wc -l) of 30 tasks finished"
grep -E -q "^taskhub-farm: 30 tasks: 30 done, 0 failed \([0-9]+ answered from the journal\)" out2.txt ||
  fail "the resume's last line: $(tail -n 1 out2.txt)"
echo "engine_death.sh: the resume finished the rest: $(tail -n 1 out2.txt)"

# SIGTERM from outside (as scancel or Ctrl-C on mpirun): said, and no engine is called gone.
for i in $(seq 1 20); do echo "sleep 3"; done > slow.txt
"$mpirun" -n "$ranks" "$farm" slow.txt --journal=slow.h5 > out3.txt 2> err3.txt &
launcher=$!
for _ in $(seq 1 100); do grep -q . slow.h5 2>/dev/null && break; sleep 0.1; done
sleep 1
kill -TERM "$launcher"
wait "$launcher"
grep -q "^taskhub: the run was ended by SIGTERM from outside" err3.txt ||
  fail "SIGTERM from outside: not said: $(cat err3.txt)"
grep -q ' is gone;' err3.txt && fail "SIGTERM from outside: an engine was called gone: $(cat err3.txt)"

# Under --enable-recovery the run goes on: the killer's task fails with the engine and its retry
# runs elsewhere; with one engine, nothing is left to run the rest, which fails at once.
rm -f killed.mark done.log
"$mpirun" --enable-recovery -n "$ranks" "$farm" tasks.txt --retries=1 --journal=r.h5 > out4.txt 2> err4.txt
code=$?
[ -s killed.mark ] || fail "recovery: the killer task did not run: $(cat err4.txt)"
victim=$(cat killed.mark)
grep -E -q "^taskhub: engine [0-9]+ on $(hostname) \(process $victim\) died while running task [0-9]+ \(farm::run_command\); the run goes on with $((ranks - 2)) engines?" err4.txt ||
  fail "recovery: no line names the dead engine (pid $victim), its host and its task: $(cat err4.txt)"
if [ "$ranks" -gt 2 ]; then
  [ "$code" -eq 0 ] || fail "recovery: the run exited $code: $(cat err4.txt)"
  grep -q "exit code" err4.txt && fail "recovery: an exit code other than 0 is said: $(cat err4.txt)"
  [ "$(sort -u done.log | wc -l)" -eq 30 ] || fail "recovery: $(sort -u done.log | wc -l) of 30 tasks finished"
  grep -E -q "^taskhub-farm: 30 tasks: 30 done, 0 failed" out4.txt ||
    fail "recovery: the last line: $(tail -n 1 out4.txt)"
else
  # mpirun --enable-recovery exits 0 whatever the ranks return: the hub says the exit code.
  grep -q "^taskhub: the run ends with exit code 1, which mpirun --enable-recovery does not pass on" err4.txt ||
    fail "recovery: the exit code is not said: $(cat err4.txt)"
  grep -q "no engine can run task 30 (1 engine(s) retired after crashes or died)" err4.txt || fail "recovery: the rest did not fail as impossible: $(cat out4.txt err4.txt)"
  # What failed with the engine is a failure the client saw: --retry-failed runs it again.
  "$mpirun" -n "$ranks" "$farm" tasks.txt --journal=r.h5 --retry-failed > out5.txt 2> err5.txt ||
    fail "recovery: the resume failed: $(cat err5.txt)"
  [ "$(sort -u done.log | wc -l)" -eq 30 ] || fail "recovery: after the resume $(sort -u done.log | wc -l) of 30 tasks finished"
fi
echo "engine_death.sh: recovery: $(grep ' died while' err4.txt); $(tail -n 1 out4.txt)"
echo "engine_death.sh: ok"
