#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# taskhub-farm on task files: bad lines, failing commands, resume and retry.
# farm.sh FARM MPIRUN RANKS WORKDIR (RANKS 0: without mpirun)
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Runs taskhub-farm on task files with bad lines and failing commands, then resumes it.
set -u
farm=$1 mpirun=$2 ranks=$3 work=$4
fail() { echo "farm.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
run() {
  if [ "$ranks" -eq 0 ]; then "$farm" "$@" --taskhub-engines=2
  else "$mpirun" -n "$ranks" "$farm" "$@"; fi
}
count() { grep -c -E -- "$1" "$2"; }

# Bad lines: each reported with FILE:LINE, and nothing runs.
cat > bad.txt <<'TASKS'
echo ran >> bad.log
{"cmd": 3}
{"cmd": "echo x", "colour": "red"}
{"cmd": "echo y"
{"retries": 2}
TASKS
run bad.txt > out.txt 2> err.txt
code=$?
[ "$code" -eq 2 ] || fail "bad lines: exit code $code, wanted 2"
[ "$(count '^taskhub-farm: bad.txt:[0-9]+: ' err.txt)" -eq 4 ] || fail "bad lines: wanted 4 FILE:LINE reports: $(cat err.txt)"
grep -q 'bad.txt:2: "cmd" is a number' err.txt || fail "bad lines: line 2 not explained"
grep -q 'bad.txt:5: no "cmd"' err.txt || fail "bad lines: line 5 not explained"
[ -f bad.log ] && fail "bad lines: a command ran"
run bad.txt --skip-bad > out.txt 2> err.txt || fail "--skip-bad: the good line failed"
[ "$(cat bad.log)" = ran ] || fail "--skip-bad: the good line did not run once"
echo "farm.sh: bad lines refused, or skipped with --skip-bad"

# Commands that fail in every way; the others still finish.
mkdir -p sub
cat > tasks.txt <<'TASKS'
# comments and blank lines are skipped

echo one; echo 1 >> ran.log
echo oops >&2; echo 2 >> ran.log; exit 3
{"cmd": "echo \"$GREETING from $(basename $(pwd))\"; echo 3 >> ../ran.log", "cwd": "sub", "env": {"GREETING": "hello"}}
{"cmd": "echo 4 >> ran.log; sleep 30", "timeout": 0.5}
{"cmd": "echo 5 >> ran.log; kill -SEGV $$"}
{"cmd": "echo 6 >> ran.log; yes flood | head -c 20000000; echo; echo end of flood"}
{"cmd": "echo 7 >> ran.log; exit 1", "retries": 2}
echo 8 >> ran.log; sleep 0.3; echo last
TASKS
run tasks.txt --output=logs --progress=0.1 > out.txt 2> err.txt
code=$?
cat out.txt
[ "$code" -eq 1 ] || fail "failing commands: exit code $code, wanted 1"
grep -q 'taskhub-farm: 8 tasks: 4 done, 4 failed (0 answered from the journal)' out.txt || fail "wrong summary"
grep -q 'tasks.txt:4: .*exit 3: oops$' err.txt || fail "exit 3 not reported: $(cat err.txt)"
grep -q 'tasks.txt:6: .*timed out after 0.5 s and was killed' err.txt || fail "time-out not reported"
grep -q 'tasks.txt:7: .*killed by signal 11 (Segmentation fault)' err.txt || fail "segfault not reported"
grep -q 'tasks.txt:9: .*exit 1' err.txt || fail "exit 1 not reported"
grep -q -E '^taskhub-farm: [0-9]+/8 done, [0-9]+ failed, [0-9]+ running, .*/s, ETA ' err.txt || fail "no progress lines"
[ "$(grep -c '^7$' ran.log)" -eq 3 ] || fail "a command with retries 2 ran $(grep -c '^7$' ran.log) times, wanted 3"
[ "$(cat logs/5.out)" = "hello from sub" ] || fail "cwd and env not applied: $(cat logs/5.out)"
[ "$(tail -n 1 logs/8.out)" = "end of flood" ] || fail "the flood's output is not whole"
[ "$(stat -c %s logs/8.out)" -gt 20000000 ] || fail "the flood's output file is short"
[ "$(cat logs/10.out)" = last ] || fail "the last command's output is missing"
h5dump -d /errors tasks.txt.journal.h5 | grep -q '"exit 3: oops"' || fail "the journal lacks the error text"
h5dump -r -w 0 -d /results tasks.txt.journal.h5 | grep -q 'hello from sub' ||
  fail "the journal lacks the output of a command"
echo "farm.sh: failures reported, the other commands finished"

# Resume: nothing runs again; --retry-failed runs only the failed ones.
rm ran.log
run tasks.txt --resume > out.txt 2> err.txt
[ $? -eq 1 ] || fail "--resume: wanted exit 1 (failures stay failures)"
grep -q '8 tasks: 4 done, 4 failed (8 answered from the journal)' out.txt || fail "--resume: $(cat out.txt)"
[ -f ran.log ] && fail "--resume: commands ran again: $(cat ran.log)"
run tasks.txt --retry-failed > out.txt 2> err.txt
grep -q '8 tasks: 4 done, 4 failed (4 answered from the journal)' out.txt || fail "--retry-failed: $(cat out.txt)"
[ "$(sort -u ran.log | tr '\n' ' ')" = "2 4 5 7 " ] || fail "--retry-failed ran: $(sort -u ran.log | tr '\n' ' ')"

# A typing error does not touch the journal; JSON escapes; a shell group is a command; a command
# that closes its output still meets its time-out; an edited file resumes by command, not line.
cp tasks.txt.journal.h5 before.h5
run tasks.txt --resme > out.txt 2> err.txt
[ $? -eq 2 ] || fail "an unknown option did not stop the farm"
cmp -s before.h5 tasks.txt.journal.h5 || fail "an unknown option changed the journal"
printf '%s\n' '{ echo group; }' '{"cmd": "echo \u00e9\ud83d\ude00"}' 'exec >/dev/null 2>&1; sleep 5' > more.txt
run more.txt --timeout=1 --output=more > out.txt 2> err.txt
wall=$(sed -n 's/.* in \([0-9]*\)\.[0-9]* s,.*/\1/p' out.txt)
[ -n "$wall" ] && [ "$wall" -lt 4 ] || fail "the time-out of a command without output was late: $(cat out.txt)"
[ "$(cat more/1.out)" = group ] || fail "a shell group was not run as a command"
[ "$(cat more/2.out)" = "é😀" ] || fail "JSON escapes: $(cat more/2.out)"
grep -q 'more.txt:3: .*timed out after 1 s' err.txt || fail "a command without output was not timed out"
printf '%s\n' '{"cmd": "echo \u0000"}' '{"cmd": "x", "timeout": 1e999}' '{"cmd": "\u12"}' > worse.txt
run worse.txt > out.txt 2> err.txt
[ "$(count '^taskhub-farm: worse.txt:[1-3]: ' err.txt)" -eq 3 ] || fail "bad escapes: $(cat err.txt)"
(echo '# a new first line'; cat tasks.txt) > moved.txt && cp tasks.txt.journal.h5 moved.txt.journal.h5
rm -f ran.log
run moved.txt --resume > out.txt 2> err.txt
grep -q '8 tasks: 4 done, 4 failed (8 answered from the journal)' out.txt || fail "an edited file: $(cat out.txt)"
[ -f ran.log ] && fail "an edited file: commands ran again: $(cat ran.log)"

# Progress: a live line (redrawn with \r) where a person sees a terminal, lines into a pipe, or
# none. `script` gives the launcher a terminal, as when a user types the command.
for i in 1 2 3 4 5 6; do echo "sleep 0.4"; done > slow.txt
live() { tr '\r' '\n' < "$1" | grep -c -E '^taskhub-farm: [0-9]+/6 done'; }
has_cr() { tr -cd '\r' < "$1" | wc -c; }
if [ "$ranks" -eq 0 ]; then launch="$farm slow.txt --taskhub-engines=2 --journal=slow.h5"
else launch="$mpirun -n $ranks $farm slow.txt --journal=slow.h5"; fi
script -qec "$launch" /dev/null > term.txt 2>&1 || fail "progress under a terminal: the run failed: $(cat term.txt)"
[ "$(has_cr term.txt)" -gt 0 ] && [ "$(live term.txt)" -gt 1 ] ||
  fail "auto under a terminal: no live progress line: $(od -c term.txt | head -n 5)"
rm -f slow.h5
run slow.txt --journal=slow.h5 > out.txt 2> err.txt || fail "progress into a pipe: the run failed"
[ "$(has_cr err.txt)" -eq 0 ] || fail "auto into a pipe drew a live line"
rm -f slow.h5
run slow.txt --journal=slow.h5 --progress=always > out.txt 2> err.txt || fail "--progress=always failed"
[ "$(has_cr err.txt)" -gt 0 ] || fail "--progress=always drew no live line"
rm -f slow.h5
run slow.txt --journal=slow.h5 --progress=never --progress-every=0.1 > out.txt 2> err.txt || fail "--progress=never failed"
grep -q -E 'done, [0-9]+ failed, [0-9]+ running' err.txt && fail "--progress=never printed progress: $(cat err.txt)"
echo "farm.sh: progress: live under a terminal (mpirun's or its own), none with never"
echo "farm.sh: ok"
