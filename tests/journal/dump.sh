#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# The journal read back by h5dump and h5py, and damaged journals refused.
# dump.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Runs a small journaled campaign and reads the journal back with h5dump; then damages copies of
# it and checks that a resume refuses them with one line and exit code 2.
set -u
campaign=$1 mpirun=$2 work=$3
fail() { echo "dump.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$mpirun" -n 3 "$campaign" 200 out \
  --taskhub-journal=j.h5 >/dev/null || fail "the campaign failed"

rows() { h5dump -d "$1" j.h5 | grep -c '^   ([0-9]*): {'; }
[ "$(h5dump -a /format j.h5 | grep -c '"taskhub-journal"')" -eq 1 ] || fail "no format attribute"
[ "$(rows /tasks)" -eq 200 ] || fail "/tasks has $(rows /tasks) rows, wanted 200"
[ "$(rows /outcomes)" -eq 200 ] || fail "/outcomes has $(rows /outcomes) rows, wanted 200"
[ "$(rows /engines)" -eq 2 ] || fail "/engines has $(rows /engines) rows, wanted 2"
[ "$(h5dump -d /tasks j.h5 | grep -c '"campaign::step"')" -eq 200 ] || fail "function names missing"
# Failures: 0, 97 and 194 throw.
[ "$(h5dump -d /outcomes j.h5 | grep -c ' failed,')" -eq 3 ] || fail "wanted 3 failed outcomes"
[ "$(h5dump -d /outcomes j.h5 | grep -c ' done,')" -eq 197 ] || fail "wanted 197 done outcomes"
h5dump -d /errors j.h5 | grep -q '"step 97 refuses"' || fail "the error text of task 97 is missing"
h5dump -d /events j.h5 | grep -q ' dispatched,' || fail "no dispatched events"
echo "dump.sh: h5dump reads the journal"

# h5py (Debian's python3-h5py, installed here when missing) reads it too.
if ! /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-h5py >/dev/null || fail "cannot install python3-h5py"
fi
/usr/bin/python3 - <<'PY' || fail "h5py could not read the journal"
import h5py
f = h5py.File("j.h5", "r")
assert f.attrs["format"] == b"taskhub-journal", f.attrs["format"]
tasks, outcomes, errors = f["tasks"][:], f["outcomes"][:], f["errors"][:]
assert len(tasks) == 200 and all(t["function"] == b"campaign::step" for t in tasks)
states = {v: k for k, v in h5py.check_enum_dtype(outcomes.dtype["state"]).items()}
assert sorted(states[o["state"]] for o in outcomes).count("failed") == 3
assert any(e["message"] == b"step 97 refuses" for e in errors)
print("dump.sh: h5py reads the journal")
PY

# Damaged journals are refused with one line naming the file, and nothing runs.
refused() {
  local file=$1 what=$2
  out=$("$mpirun" -n 2 "$campaign" 10 x.out \
    --taskhub-journal="$file" --taskhub-resume 2>&1)
  code=$?
  [ "$code" -eq 2 ] || fail "$what: exit code $code, wanted 2: $out"
  [ "$(printf '%s\n' "$out" | grep -c "^taskhub: cannot start: journal $file: ")" -eq 1 ] ||
    fail "$what: no one-line refusal: $out"
  [ -f x.out ] && fail "$what: the campaign ran"
  echo "dump.sh: $what refused: $(printf '%s\n' "$out" | grep '^taskhub:')"
}
head -c $(($(stat -c %s j.h5) / 2)) j.h5 > cut.h5
refused cut.h5 "a journal cut in half"
echo "not a journal" > text.h5
refused text.h5 "a text file"
h5dump -H j.h5 >/dev/null

# A run that refuses to start leaves the journal as it was.
cp j.h5 kept.h5
"$mpirun" -n 2 "$campaign" 10 x.out \
  --taskhub-journal=kept.h5 --taskhub-scheme=fastest >/dev/null 2>&1
cmp -s j.h5 kept.h5 || fail "a run that refused to start changed the journal"
echo "dump.sh: a refused run leaves the journal alone"

# Without stored results, a resumed run runs the finished tasks again (and gets them right).
"$mpirun" -n 2 "$campaign" 20 plain.out >/dev/null
"$mpirun" -n 2 "$campaign" 20 r0.out \
  --taskhub-journal=r0.h5 --taskhub-journal-results=0 >/dev/null || fail "results=0: first run failed"
"$mpirun" -n 2 "$campaign" 20 r0.out \
  --taskhub-journal=r0.h5 --taskhub-journal-results=0 --taskhub-resume > r0.txt 2>&1 ||
  fail "results=0: the resumed run failed: $(cat r0.txt)"
cmp -s plain.out r0.out || fail "results=0: the resumed results differ"
grep -q "campaign: 20 tasks, 1 answered from the journal" r0.txt || fail "results=0: $(cat r0.txt)"
echo "dump.sh: without stored results, resume runs the finished tasks again"
echo "dump.sh: ok"
