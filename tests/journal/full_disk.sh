#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# A journal on a full disk: a failed write never marks a task done, HDF5's error is reported
# whole on one line, and a resume with no room for its fresh copy is refused cleanly.
# full_disk.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Mounts a 3 MiB tmpfs (skipped, saying so, where mounting is not allowed), fills most of it,
# runs a journaled campaign on it until the disk is full, and checks: the run stops with one
# line that ends in "No space left on device" and what follows it; every outcome in the journal
# has its result or error; a resume elsewhere (with the outcome log) serves outcomes and gives the
# uninterrupted run's results. Then, with
# room for the journal but not its fresh copy, a resume is refused with one line, leaves the
# journal as it was and no copy, and no rank crashes.
set -u
campaign=$1 mpirun=$2 work=$3
n=3000
fail() { echo "full_disk.sh: FAILED: $*"; exit 1; }
if mountpoint -q "$work/fs" 2>/dev/null; then umount "$work/fs"; fi
rm -rf "$work" && mkdir -p "$work/fs" && cd "$work" || exit 1
if ! mount -t tmpfs -o size=3m tmpfs "$work/fs" 2>mount.txt; then
  echo "full_disk.sh: cannot mount a tmpfs here ($(head -1 mount.txt)): skipped"
  echo "full_disk.sh: ok"
  exit 0
fi
trap 'umount "$work/fs"' EXIT
free() { df --output=avail -B1 "$work/fs" | tail -1; }
crashed() { grep -E -i "segmentation|signal 11|SIGSEGV|core dumped|signal 6|abort\(\)" "$1"; }

"$mpirun" -n 2 "$campaign" $n clean.out --taskhub-journal=clean.h5 >/dev/null ||
  fail "the uninterrupted run failed"

# The disk fills during the run.
head -c $(($(free) - 1100 * 1024)) /dev/zero >fs/filler
"$mpirun" -n 2 "$campaign" $n full.out --taskhub-journal="$work/fs/j.h5" >full.txt 2>&1
code=$?
[ "$code" -ne 0 ] || fail "the run on a full disk succeeded: $(cat full.txt)"
[ -f full.out ] && fail "the run on a full disk finished its campaign"
line=$(grep "^taskhub: .*journal $work/fs/j.h5: " full.txt | head -1)
[ -n "$line" ] || fail "no line names the journal: $(cat full.txt)"
# The disk fills as HDF5 writes the journal, or as the hub appends to its outcome log.
echo "$line" | grep -q -e "error message = 'No space left on device', .*offset = [0-9]*$" \
  -e "cannot write its outcome log $work/fs/j.h5.log: No space left on device$" ||
  fail "the error is not whole on one line: $line"
crashed full.txt && fail "a rank crashed on a full disk: $(cat full.txt)"
echo "full_disk.sh: the run stopped with exit code $code: $line"

# Every outcome in the journal has its result bytes, and every failed one its error. (Outcomes
# since the last flush are in the outcome log, which goes along.)
cp fs/j.h5 journal.h5
cp fs/j.h5.log journal.h5.log || fail "the run on a full disk left no outcome log"
cp journal.h5 look.h5
h5clear -s look.h5 || fail "h5clear -s failed"
if /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  /usr/bin/python3 - <<'PY' || fail "the journal of the full disk has outcomes without their data"
import h5py, sys
with h5py.File("look.h5", "r") as f:
    o, results, errors = f["outcomes"][:], f["results"][:], f["errors"][:]
    zeros = sum(1 for r in o if r["run"] == 0)  # a failed write's rows: no run 0 exists
    o = [r for r in o if r["run"] != 0]
    failed = {(e["run"], e["id"]) for e in errors if e["type"]}
    done = [r for r in o if r["state"] == 3]
    beyond = [r for r in done if r["result_offset"] + r["result_size"] > len(results)]
    empty = [r for r in done if r["result_size"] > 0 and
             not results[r["result_offset"]:r["result_offset"] + r["result_size"]].any()]
    unexplained = [r for r in o if r["state"] == 4 and (r["run"], r["id"]) not in failed]
    print(f"full_disk.sh: the journal has {len(o)} outcomes ({len(done)} done, {zeros} rows of "
          "zeros left by the failed write), "
          f"{len(beyond)} past the results, {len(empty)} with zero bytes, "
          f"{len(unexplained)} failed without an error")
    sys.exit(1 if beyond or empty or unexplained else 0)
PY
fi
"$campaign" $n resumed.out --taskhub-journal=journal.h5 --taskhub-resume >resumed.txt 2>&1 ||
  fail "the resume elsewhere failed: $(cat resumed.txt)"
cmp -s clean.out resumed.out || fail "the resumed results differ: $(diff clean.out resumed.out | head -5)"
grep -q "campaign: $n tasks, [1-9][0-9]* answered from the journal" resumed.txt ||
  fail "nothing answered from the journal: $(cat resumed.txt)"
echo "full_disk.sh: resumed elsewhere: $(grep '^campaign:' resumed.txt)"

# Room for the journal, not for its fresh copy: the one that filled the disk (its copy fails as
# it is created), and the uninterrupted run's with room for half a copy (its copy fails as its
# rows are written).
for old in journal clean; do
  rm -f fs/filler fs/j.h5 fs/j.h5.log fs/j.h5.resume copy.out
  cp $old.h5 fs/j.h5
  size=$(stat -c %s $old.h5)
  room=$(($(free) - size / 2))
  [ "$room" -gt 0 ] && head -c "$room" /dev/zero >fs/filler
  "$mpirun" -n 2 "$campaign" $n copy.out --taskhub-journal="$work/fs/j.h5" --taskhub-resume \
    >copy.txt 2>&1
  code=$?
  [ "$code" -eq 2 ] || fail "$old: with no room for the copy: exit code $code: $(cat copy.txt)"
  crashed copy.txt && fail "$old: a rank crashed when the copy did not fit: $(cat copy.txt)"
  [ "$(grep -c "^taskhub: cannot start: journal $work/fs/j.h5: cannot write its fresh copy .*No space left on device.*; the journal is left as it was$" copy.txt)" -eq 1 ] ||
    fail "$old: with no room for the copy: no one-line refusal: $(cat copy.txt)"
  [ -e fs/j.h5.resume ] && fail "$old: the refused resume left its copy"
  cmp -s $old.h5 fs/j.h5 || fail "$old: the refused resume changed the journal"
  [ -f copy.out ] && fail "$old: the refused resume ran the campaign"
  # In one process too, where nothing hides how rank 0 ends (a crash in MPI_Finalize, say).
  "$campaign" $n copy.out --taskhub-journal="$work/fs/j.h5" --taskhub-resume >alone.txt 2>&1
  code=$?
  [ "$code" -eq 2 ] || fail "$old: alone, with no room for the copy: exit code $code: $(cat alone.txt)"
  [ -e fs/j.h5.resume ] && fail "$old: the refused resume left its copy"
  cmp -s $old.h5 fs/j.h5 || fail "$old: the refused resume changed the journal"
  echo "full_disk.sh: $old journal, no room for its copy: $(grep '^taskhub: cannot start' copy.txt)"
done
echo "full_disk.sh: ok"
