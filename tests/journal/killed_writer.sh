#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# A journal whose writer was killed keeps HDF5's writer flags: taskhub resumes from it, and
# standard tools read it after h5clear -s, as doc/journal.md says.
# killed_writer.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Kills a journaled campaign with SIGKILL mid-run (its SWMR flags stay set), checks that h5dump
# refuses the file and reads it after h5clear -s, then resumes from it; then a journal whose
# writer was killed before SWMR mode began (open for write, no SWMR flag: neither a plain nor a
# SWMR reader takes it), which taskhub clears itself before it resumes.
set -u
campaign=$1 mpirun=$2 work=$3
. "$(dirname "$0")/kill_part_way.sh"
n=2000
fail() { echo "killed_writer.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$mpirun" -n 2 "$campaign" $n clean.out >/dev/null || fail "the uninterrupted run failed"
flags() { od -An -tu1 -j11 -N1 "$1" | tr -d ' '; }

kill_part_way "$work/first.log" $((n / 3)) 2 $n killed.out --taskhub-journal=j.h5 \
  --taskhub-journal-flush=0.1
[ -f killed.out ] && fail "the campaign finished before it was killed"
[ "$(flags j.h5)" -eq 5 ] || fail "the killed journal's status flags are $(flags j.h5), wanted 5"
echo "killed_writer.sh: killed the campaign after $(wc -l < first.log) tasks; SWMR flags set"

# Standard tools: h5dump refuses the file until h5clear -s clears the flags (on a copy).
cp j.h5 tools.h5
h5dump -H tools.h5 >/dev/null 2>&1 && fail "h5dump read a file whose writer flags are set"
h5clear -s tools.h5 || fail "h5clear -s failed"
h5dump -a /format tools.h5 | grep -q '"taskhub-journal"' || fail "h5dump cannot read it after h5clear -s"
/usr/bin/python3 -c "import h5py" 2>/dev/null && {
  /usr/bin/python3 -c "
import h5py, sys
with h5py.File(sys.argv[1], 'r') as f:
    assert len(f['tasks']) > 0
" tools.h5 || fail "h5py cannot read it after h5clear -s"
}
echo "killed_writer.sh: h5dump reads it after h5clear -s"

# taskhub resumes from it as it is.
"$mpirun" -n 2 "$campaign" $n resumed.out --taskhub-journal=j.h5 --taskhub-resume >resume.txt 2>&1 ||
  fail "the resume failed: $(cat resume.txt)"
cmp -s clean.out resumed.out || fail "the resumed results differ"
grep -q "answered from the journal" resume.txt || fail "$(cat resume.txt)"
[ "$(flags j.h5)" -eq 0 ] || fail "the journal's flags are $(flags j.h5) after the run ended"
h5dump -H j.h5 >/dev/null || fail "h5dump cannot read the journal after the resumed run"
echo "killed_writer.sh: resumed: $(grep '^campaign:' resume.txt)"

# Killed while open for write before SWMR mode: a writer that opened the journal and died.
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  { /usr/bin/python3 -c "
import h5py, os, sys
f = h5py.File(sys.argv[1], 'r+', libver='latest')
f.flush()
os.kill(os.getpid(), 9)
" j.h5; } 2>/dev/null
  [ "$(flags j.h5)" -eq 1 ] || fail "the writer left flags $(flags j.h5), wanted 1"
  "$mpirun" -n 2 "$campaign" $n again.out --taskhub-journal=j.h5 --taskhub-resume >again.txt 2>&1 ||
    fail "the resume from a journal open for write failed: $(cat again.txt)"
  cmp -s clean.out again.out || fail "the results after clearing the flags differ"
  grep -q "cleared its HDF5 status flags" again.txt || fail "no line says the flags were cleared"
  grep -q "campaign: $n tasks, $n answered from the journal" again.txt || fail "$(cat again.txt)"
  echo "killed_writer.sh: a journal left open for write without SWMR: flags cleared, resumed"
else
  echo "killed_writer.sh: no h5py: the journal left open for write without SWMR is not tried"
fi
echo "killed_writer.sh: ok"
