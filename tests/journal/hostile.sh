#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Resume from journals that are damaged or written by others: refused at once, or read right.
# hostile.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Runs a small journaled campaign, then resumes from edited copies of its journal: outcomes whose
# result_offset + result_size passes 2^64, a last run number of 2^32 - 1, a damaged superblock
# (checksum, end-of-file address, truncation) and format attributes as h5py writes them.
set -u
campaign=$1 mpirun=$2 work=$3
fail() { echo "hostile.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
n=40
"$mpirun" -n 2 "$campaign" $n clean.out --taskhub-journal=j.h5 >/dev/null ||
  fail "the campaign failed"

if ! /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-h5py >/dev/null || fail "cannot install python3-h5py"
fi

# resume FILE OUT: resumes the campaign from FILE (bounded in time), output in OUT.txt, exit code
# in $code, seconds taken in $took.
resume() {
  local start
  start=$(date +%s.%N)
  timeout 60 "$mpirun" -n 2 "$campaign" $n "$2" --taskhub-journal="$1" --taskhub-resume \
    >"$2.txt" 2>&1
  code=$?
  took=$(echo "$(date +%s.%N) - $start" | bc)
}

# refused FILE WHAT: the resume ends within 10 s with exit code 2, one line naming FILE, no run.
refused() {
  local file=$1 what=$2
  resume "$file" refused.out
  [ "$code" -eq 2 ] || fail "$what: exit code $code after $took s, wanted 2: $(cat refused.out.txt)"
  [ "$(echo "$took < 10" | bc)" -eq 1 ] || fail "$what: took $took s"
  [ "$(grep -c "^taskhub: cannot start: journal $file: " refused.out.txt)" -eq 1 ] ||
    fail "$what: no one-line refusal: $(cat refused.out.txt)"
  [ -f refused.out ] && fail "$what: the campaign ran"
  echo "hostile.sh: $what refused in $took s: $(grep '^taskhub:' refused.out.txt)"
}

# Outcomes whose result lies past 2^64: one wraps to just inside /results, taking 8 bytes from
# before it; one wraps to a short sum and a copy of nearly 2^64 bytes. Both are incomplete: those
# tasks run again and every result is right.
cp j.h5 wrap.h5
/usr/bin/python3 - <<'PY' || fail "h5py cannot edit the outcomes"
import h5py
with h5py.File("wrap.h5", "r+") as f:
    o = f["outcomes"]
    rows = o[:]
    for i, r in enumerate(rows):
        if r["id"] == 5:
            r["result_offset"], r["result_size"] = 2**64 - 8, 16
        if r["id"] == 6:
            r["result_offset"], r["result_size"] = 8, 2**64 - 4
        o[i] = r
PY
resume wrap.h5 wrap.out
[ "$code" -eq 0 ] || fail "wrapped offsets: exit code $code: $(cat wrap.out.txt)"
cmp -s clean.out wrap.out || fail "wrapped offsets: the results differ"
grep -q "2 outcome(s) written as the earlier run was killed are incomplete" wrap.out.txt ||
  fail "wrapped offsets: not both dropped: $(cat wrap.out.txt)"
grep -q "campaign: $n tasks, $((n - 2)) answered from the journal" wrap.out.txt ||
  fail "wrapped offsets: $(cat wrap.out.txt)"
echo "hostile.sh: outcomes whose results lie past 2^64 run again"

# The last run number: no run can follow it.
cp j.h5 last_run.h5
/usr/bin/python3 - <<'PY' || fail "h5py cannot edit the runs"
import h5py
with h5py.File("last_run.h5", "r+") as f:
    r = f["runs"][0]
    r["run"] = 2**32 - 1
    f["runs"][0] = r
PY
refused last_run.h5 "a journal with run 4294967295"

# A damaged superblock (version 3: the end-of-file address at byte 28, the checksum at 44) and a
# file cut short: HDF5 reading as a SWMR reader must not retry for minutes.
cp j.h5 checksum.h5
printf '\x00\x00\x00\x00' | dd of=checksum.h5 bs=1 seek=44 conv=notrunc 2>/dev/null
refused checksum.h5 "a wrong superblock checksum"
cp j.h5 eof.h5
printf '\xff' | dd of=eof.h5 bs=1 seek=31 conv=notrunc 2>/dev/null
refused eof.h5 "a flipped end-of-file address"
head -c 4096 j.h5 >cut.h5
refused cut.h5 "a journal cut after 4 KiB"

# The format attribute as h5py writes a bytes value (15 bytes, NUL-padded, no NUL), 15 bytes
# NUL-terminated without room for the NUL, space-padded, and a Python str (variable-length UTF-8).
for kind in bytes nullterm spacepad str; do
  cp j.h5 "format_$kind.h5"
  /usr/bin/python3 - "format_$kind.h5" "$kind" <<'PY' || fail "h5py cannot write the format"
import sys, h5py, numpy as np
path, kind = sys.argv[1], sys.argv[2]
if kind in ("bytes", "str"):
    with h5py.File(path, "r+") as f:
        del f.attrs["format"]
        f.attrs["format"] = np.bytes_(b"taskhub-journal") if kind == "bytes" else "taskhub-journal"
else:
    value = b"taskhub-journal" if kind == "nullterm" else b"taskhub-journal     "
    fid = h5py.h5f.open(path.encode(), h5py.h5f.ACC_RDWR)
    h5py.h5a.delete(fid, b"format")
    t = h5py.h5t.C_S1.copy()
    t.set_size(len(value))
    t.set_strpad(h5py.h5t.STR_NULLTERM if kind == "nullterm" else h5py.h5t.STR_SPACEPAD)
    a = h5py.h5a.create(fid, b"format", t, h5py.h5s.create(h5py.h5s.SCALAR))
    a.write(np.array(value, dtype=f"S{len(value)}"), mtype=t)
    a.close()
    fid.close()
PY
  resume "format_$kind.h5" "format_$kind.out"
  [ "$code" -eq 0 ] || fail "format as $kind: exit code $code: $(cat "format_$kind.out.txt")"
  cmp -s clean.out "format_$kind.out" || fail "format as $kind: the results differ"
  grep -q "campaign: $n tasks, $n answered from the journal" "format_$kind.out.txt" ||
    fail "format as $kind: $(cat "format_$kind.out.txt")"
  echo "hostile.sh: a format attribute written as $kind resumes"
done
echo "hostile.sh: ok"
