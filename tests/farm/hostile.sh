#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# taskhub-farm on hostile input: flags out of range, a directory or a file failing part-way as the
# task file, huge lines, commands that leave processes behind, inherited descriptors, escape
# sequences in what the farm prints.
# hostile.sh FARM MPIRUN RANKS WORKDIR READ_ERROR (RANKS 0: without mpirun)
# READ_ERROR is a library to preload that fails reads of *.eio files past their first 100 bytes.
set -u
farm=$1 mpirun=$2 ranks=$3 work=$4 read_error=$5
fail() { echo "hostile.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
run() {
  if [ "$ranks" -eq 0 ]; then "$farm" "$@" --taskhub-engines=2
  else "$mpirun" -n "$ranks" "$farm" "$@"; fi
}
# No byte of FILE is a control character other than the end of line: no C0, DEL or C1, raw or
# as UTF-8 (C2 80 to C2 9F).
clean() {
  [ "$(LC_ALL=C tr -dc '\000-\011\013-\037\177-\237' < "$1" | wc -c)" -eq 0 ] ||
    fail "$2: control characters reached the terminal: $(cat -v "$1")"
}

# Flags: out of range or malformed, each is refused with one line naming it and what it accepts,
# before any command runs and without a journal. Task lines have the same limits.
echo 'echo ran >> ran.log; exit 1' > tasks.txt
refused() {  # refused FLAG LINE
  run tasks.txt "$1" > out.txt 2> err.txt
  code=$?
  [ "$code" -eq 2 ] || fail "$1: exit code $code, wanted 2"
  [ "$(grep -c '^taskhub-farm: ' err.txt)" -eq 1 ] || fail "$1: wanted one line: $(cat err.txt)"
  grep -q -x -F -- "taskhub-farm: $2" err.txt || fail "$1: said $(cat err.txt)"
  [ -f ran.log ] && fail "$1: a command ran"
  [ -e tasks.txt.journal.h5 ] && fail "$1: a journal was written"
  clean err.txt "$1"
}
whole='wanted a whole number from 0 to 1000'
forms='(90, 90s, 1.5m, 1:30 or 2h)'
positive="wanted a duration above 0 s and at most 10000000 s $forms"
refused --retries=99999999999 "--retries=99999999999: $whole"
refused --timeout=-5 "--timeout=-5: $positive"
refused --progress=1e10 "--progress=1e10: wanted auto, always, never or a duration from 0.1 s to 10000000 s $forms"
refused --progress=sometimes "--progress=sometimes: wanted auto, always, never or a duration from 0.1 s to 10000000 s $forms"
refused --progress-every=0 "--progress-every=0: wanted a duration from 0.1 s to 10000000 s $forms"
if [ "$ranks" -eq 0 ]; then  # the same reading under mpirun: the lines around suffice there
  refused --retries=-3 "--retries=-3: $whole"
  refused --retries=abc "--retries=abc: $whole"
  refused --retries=1e3x "--retries=1e3x: $whole"
  refused --retries=1001 "--retries=1001: $whole"
  refused --timeout=abc "--timeout=abc: $positive"
  refused --timeout=nan "--timeout=nan: $positive"
  refused --timeout=0 "--timeout=0: $positive"
  refused --timeout=1:30x "--timeout=1:30x: $positive"
  refused --kill-grace=-1 "--kill-grace=-1: wanted a duration from 0 s to 3600 s $forms"
  refused --timeout "--timeout needs a value: --timeout=DURATION"
  refused --journal= "--journal=: wanted a path"
  refused --resume=yes "--resume takes no value"
  refused --retires=3 "unknown option --retires=3 (taskhub-farm --help lists the options)"
fi
refused $'--timeout=\e]0;title\a' "--timeout=\\x1b]0;title\\x07: $positive"
run --help > out.txt 2> err.txt || fail "--help: exit code $?"
grep -q '^usage: taskhub-farm ' out.txt && grep -q '^Exit status: 0 ' out.txt ||
  fail "--help: $(cat out.txt)"
grep -q '^  --kill-grace=DURATION' out.txt || fail "--help lacks --kill-grace"
run --version > out.txt 2> err.txt || fail "--version: exit code $?"
grep -q -x -E 'taskhub-farm [0-9]+\.[0-9]+\.[0-9]+' out.txt || fail "--version: $(cat out.txt)"
printf '%s\n' '{"cmd": "echo ran >> ran.log", "retries": 99999999999}' \
  '{"cmd": "echo ran >> ran.log", "retries": 1e3}' '{"cmd": "echo ran >> ran.log", "retries": 0x3}' \
  '{"cmd": "echo ran >> ran.log", "timeout": "nan"}' '{"cmd": "echo ran >> ran.log", "timeout": -5}' \
  > lines.txt
run lines.txt > out.txt 2> err.txt
[ $? -eq 2 ] || fail "bad retries and timeouts in task lines were not refused"
grep -q -x -F "taskhub-farm: lines.txt:1: \"retries\" is 99999999999: $whole" err.txt &&
  grep -q -x -F "taskhub-farm: lines.txt:2: \"retries\" is 1e3: $whole" err.txt &&
  grep -q '^taskhub-farm: lines.txt:3: invalid JSON' err.txt &&
  grep -q -x -F "taskhub-farm: lines.txt:4: \"timeout\" is nan: $positive" err.txt &&
  grep -q -x -F "taskhub-farm: lines.txt:5: \"timeout\" is -5: $positive" err.txt ||
  fail "task lines: $(cat err.txt)"
[ -f ran.log ] && fail "task lines: a command ran"
# Invalid JSON, as in the JSON test suites' n_ cases: every line refused, none run. (A line that
# does not start with {" is a shell command, so single quotes are not among them.)
printf '%s\n' '{"cmd": "echo ran >> ran.log"} x' \
  '{"cmd": "echo ran >> ran.log" "x"}' '{"cmd": "echo ran\x >> ran.log"}' '{"cmd": "echo \u00 ran"}' \
  '{"cmd": "echo ran >> ran.log", "retries": tru}' '{"cmd": "echo ran >> ran.log", "retries": -}' \
  '{"cmd": "echo ran >> ran.log", "retries": 1.}' '{"cmd": "echo ran >> ran.log", "retries": .5}' \
  '{"cmd": "echo ran >> ran.log", "retries": +1}' '{"cmd": "echo ran >> ran.log", "retries": NaN}' \
  '{"cmd": "echo ran >> ran.log", "retries": Infinity}' '{"cmd": "echo ran >> ran.log",,}' \
  '{"cmd": "echo ran >> ran.log",}' '{"cmd": "echo ran >> ran.log"' '{"cmd": "echo ran >> ran.log}' \
  '{"cmd": "echo ran >> ran.log", "tags": [1,]}' '{"cmd": "echo ran >> ran.log", "retries": 0x10}' \
  '{"cmd": "echo ran >> ran.log", "retries": 01}' '{"cmd": "echo ran >> ran.log", "cmd": "echo other"}' \
  > invalid.txt
printf '{"cmd": "echo\tran >> ran.log"}\n' >> invalid.txt  # a raw tab inside a string
run invalid.txt > out.txt 2> err.txt
[ $? -eq 2 ] || fail "invalid JSON lines were not refused"
[ "$(grep -c '^taskhub-farm: invalid.txt:[0-9]*: invalid JSON at column [0-9]*: ' err.txt)" -eq 20 ] ||
  fail "invalid JSON: not every line was refused as invalid JSON: $(cat err.txt)"
grep -q 'invalid.txt:19: .*the key "cmd" appears twice' err.txt || fail "a duplicated key: $(cat err.txt)"
grep -q 'invalid.txt:20: .*a raw control character (byte 9)' err.txt || fail "a raw tab: $(cat err.txt)"
[ -f ran.log ] && fail "invalid JSON: a command ran"
# Accepted forms take effect: 2 retries, a time-out of half a second, a JSON time-out as text.
printf '%s\n' 'echo x >> retried.log; exit 1' 'sleep 30' '{"cmd": "sleep 30", "timeout": "0:00.5"}' \
  > good.txt
run good.txt --retries=2 --timeout=0.5s --progress=1:30 --kill-grace=2s > out.txt 2> err.txt
[ $? -eq 1 ] || fail "good flags: exit code, wanted 1: $(cat err.txt)"
[ "$(wc -l < retried.log)" -eq 3 ] || fail "--retries=2 ran a command $(wc -l < retried.log) times"
[ "$(grep -c 'good.txt:[23]: .*timed out after 0.5 s' err.txt)" -eq 2 ] ||
  fail "--timeout=0.5s: $(cat err.txt)"
echo "hostile.sh: flags refused with one line, or taken"

# A directory, or a file that fails part-way, is refused with one line naming it, --skip-bad or
# not, and without a journal.
mkdir adir
run adir --skip-bad > out.txt 2> err.txt
[ $? -eq 2 ] || fail "a directory as the task file was not refused: $(cat out.txt)"
grep -q -x -F 'taskhub-farm: adir: cannot be read: Is a directory' err.txt || fail "adir: $(cat err.txt)"
[ -e adir.journal.h5 ] && fail "a directory as the task file got a journal"
for i in $(seq 1 20); do echo "echo $i >> eio.log"; done > tasks.eio
whole_lines=$(head -c 100 tasks.eio | tr -cd '\n' | wc -c)
# (A sanitizer build checks that its runtime comes first; the preloaded library is not one.)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" LD_PRELOAD=$read_error \
  run tasks.eio --skip-bad > out.txt 2> err.txt
[ $? -eq 2 ] || fail "a read error was not refused: $(cat out.txt)"
grep -q -x -F "taskhub-farm: tasks.eio: cannot be read after line $whole_lines: Input/output error" \
  err.txt || fail "a read error: $(cat err.txt)"
[ -f eio.log ] && fail "a read error: commands ran"
[ -e tasks.eio.journal.h5 ] && fail "a read error: a journal was written"
echo "hostile.sh: a directory and a read error refused"

# A line past 64 KiB is refused at reading with FILE:LINE and the limit; one of 64 KiB runs; a
# failure line stays short whatever the command.
{ echo 'echo small >> huge.log'; head -c 10485760 /dev/zero | tr '\0' x; echo; } > huge.txt
run huge.txt > out.txt 2> err.txt
[ $? -eq 2 ] || fail "a 10 MB line was not refused"
grep -q -x -F 'taskhub-farm: huge.txt:2: the line is 10485760 bytes long; the limit is 65536 (64 KiB)' \
  err.txt || fail "a 10 MB line: $(head -c 2000 err.txt)"
[ "$(wc -c < err.txt)" -lt 4096 ] || fail "a 10 MB line: $(wc -c < err.txt) bytes on stderr"
run huge.txt --skip-bad > out.txt 2> err.txt || fail "--skip-bad with a 10 MB line: exit code $?"
[ "$(cat huge.log)" = small ] || fail "--skip-bad with a 10 MB line: the good line did not run"
edge() {  # a command of exactly $1 bytes, padded with a comment
  local head="echo edge >> edge.log; exit $2 #"
  printf '%s' "$head"; head -c $(($1 - ${#head})) /dev/zero | tr '\0' y; echo
}
{ edge 65536 0; edge 65537 0; } > edge.txt
run edge.txt --skip-bad > out.txt 2> err.txt || fail "a line of 64 KiB: exit code $?"
[ "$(cat edge.log)" = edge ] || fail "a line of 64 KiB did not run"
grep -q -x -F 'taskhub-farm: edge.txt:2: the line is 65537 bytes long; the limit is 65536 (64 KiB)' \
  err.txt || fail "a line of 64 KiB + 1: $(head -c 2000 err.txt)"
edge 65000 3 > long.txt
run long.txt > out.txt 2> err.txt
[ $? -eq 1 ] || fail "a long failing command: wanted exit code 1"
grep -q '^taskhub-farm: failed: long.txt:1: echo edge .*\[\.\.\. [0-9]* more bytes\]: exit 3$' err.txt ||
  fail "a long failing command: $(head -c 2000 err.txt)"
[ "$(wc -L < err.txt)" -lt 2048 ] || fail "a failure line of $(wc -L < err.txt) bytes"
echo "hostile.sh: long lines refused at reading, failure lines bounded"

# Processes a command leaves behind end with it: background children, children in sessions of
# their own, children of a command that timed out. SIGTERM comes first, so a command can clean
# up; SIGKILL follows after --kill-grace.
u=300.$$$ranks  # what `pgrep -f "sleep $u"` finds is ours
cleanup() {
  for pid in $(pgrep -f "sleep $u"); do kill -9 "$pid"; done
}
trap cleanup EXIT
cat > bg.txt <<TASKS
sleep ${u}1 & echo started
setsid sleep ${u}2 & echo detached
{"cmd": "setsid sleep ${u}3 & sleep ${u}4", "timeout": 0.5}
{"cmd": "trap 'echo cleaned up >> trap.log; exit 0' TERM; sleep ${u}5 & wait", "timeout": 0.5}
TASKS
run bg.txt > out.txt 2> err.txt
code=$?
[ "$code" -eq 1 ] || fail "leftovers: exit code $code, wanted 1: $(cat err.txt)"
left=$(pgrep -a -f "sleep $u")
[ -z "$left" ] || fail "processes outlived their command: $left"
[ "$(cat trap.log 2>/dev/null)" = "cleaned up" ] || fail "a timed-out command got no SIGTERM first"
grep -q 'bg.txt:3: .*timed out after 0.5 s and was killed' err.txt || fail "leftovers: $(cat err.txt)"
# A command that ignores SIGTERM gets SIGKILL after the grace: not before, and not never.
echo "{\"cmd\": \"trap '' TERM; sleep ${u}6 & wait\", \"timeout\": 0.5}" > term.txt
run term.txt --kill-grace=1.5 > out.txt 2> err.txt
[ $? -eq 1 ] || fail "a command ignoring SIGTERM: wanted exit code 1: $(cat err.txt)"
[ -z "$(pgrep -a -f "sleep $u")" ] || fail "a command ignoring SIGTERM outlived the farm"
took=$(sed -n 's/.* in \([0-9]*\)\.[0-9]* s,.*/\1/p' out.txt)
[ -n "$took" ] && [ "$took" -ge 2 ] || fail "SIGKILL came before the grace: $(cat out.txt)"
[ "$took" -lt 30 ] || fail "a command ignoring SIGTERM was killed late: $(cat out.txt)"
echo "hostile.sh: no process outlived its command"

# Commands inherit no descriptor but 0, 1 and 2 (ls shows its own directory as 3).
echo 'ls /proc/self/fd' > fd.txt
run fd.txt --output=fd > out.txt 2> err.txt || fail "fd.txt: exit code $?"
[ "$(tr '\n' ' ' < fd/1.out)" = "0 1 2 3 " ] || fail "a command inherited descriptors: $(cat fd/1.out)"
echo "hostile.sh: commands inherit only 0, 1 and 2"

# Control characters from a command's stderr, a task file's name and contents, or a flag reach
# the terminal escaped; the journal keeps what the command wrote.
printf '%s\n' "printf '\\033]0;pwned\\007\\033[2J\\302\\233x\\233y\\n' >&2; exit 1" > esc.txt
run esc.txt --journal=$'esc\e[2J.h5' > out.txt 2> err.txt
[ $? -eq 1 ] || fail "esc.txt: wanted exit code 1"
clean err.txt "a command's stderr"
clean out.txt "the summary"
grep -q -F 'exit 1: \x1b]0;pwned\x07\x1b[2J\u009bx\x9by' err.txt || fail "esc.txt: $(cat -v err.txt)"
grep -q -F 'journal esc\x1b[2J.h5' out.txt || fail "esc.txt summary: $(cat -v out.txt)"
h5dump -d /errors $'esc\e[2J.h5' | grep -q -F '\033]0;pwned\007\033[2J' ||
  fail "the journal does not keep the command's own text"
printf '%s\n' '{"cmd": 3}' '{"cmd": "true", "\u001b[2J": 1}' > $'bad\e]0;x\a.txt'
run $'bad\e]0;x\a.txt' > out.txt 2> err.txt
[ $? -eq 2 ] || fail "a bad file with escapes in its name was not refused"
clean err.txt "the problems of a task file"
grep -q -F 'taskhub-farm: bad\x1b]0;x\x07.txt:2: unknown key "\x1b[2J"' err.txt ||
  fail "escapes in problems: $(cat -v err.txt)"
echo "hostile.sh: control characters escaped"
echo "hostile.sh: ok"
