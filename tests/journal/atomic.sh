#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Replacing the journal on resume is atomic: a kill at any moment of the copy leaves a journal
# that opens and resumes, the old one untouched or the whole new one.
# atomic.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Pads a journal's /results with 100 MiB (bytes no outcome refers to, copied all the same), then
# again and again starts a resume from it and kills it with SIGKILL after a random delay, then
# checks that the journal is either the old file, byte for byte, or a new one, and that a resume
# from it gives every result right. A resume that is refused leaves no copy behind.
set -u
campaign=$1 mpirun=$2 work=$3
n=40 kills=12
fail() { echo "atomic.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$mpirun" -n 2 "$campaign" $n clean.out --taskhub-journal=j.h5 >/dev/null ||
  fail "the campaign failed"
if ! /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-h5py >/dev/null || fail "cannot install python3-h5py"
fi
/usr/bin/python3 - <<'PY' || fail "h5py cannot pad the results"
import h5py, numpy as np
with h5py.File("j.h5", "r+") as f:
    r = f["results"]
    n, add = len(r), 100 * 2**20
    r.resize((n + add,))
    r[n:] = np.frombuffer(np.random.default_rng(1).bytes(add), dtype=np.uint8)
PY

# The resumes run in one process (taskhub's local backend writes the journal as the hub does),
# so that the kills land in the copy rather than in MPI's start-up.
start=$(date +%s.%N)
"$campaign" $n first.out --taskhub-journal=j.h5 --taskhub-resume >first.txt 2>&1 ||
  fail "the resume of the padded journal failed: $(cat first.txt)"
copy=$(echo "$(date +%s.%N) - $start" | bc)
echo "atomic.sh: a resume of the padded journal ($(stat -c %s j.h5) bytes) takes $copy s"

old=0 new=0
for i in $(seq $kills); do
  cp j.h5 before.h5
  delay=$(awk -v i="$i" -v copy="$copy" 'BEGIN { srand(i); printf "%.3f", 0.05 + rand() * copy }')
  "$campaign" $n killed.out --taskhub-journal=j.h5 --taskhub-resume >/dev/null 2>&1 &
  job=$!
  sleep "$delay"
  kill -9 "$job" 2>/dev/null
  wait "$job" 2>/dev/null
  if cmp -s before.h5 j.h5; then
    old=$((old + 1)) what="the old journal"
  else
    new=$((new + 1)) what="a new journal"
  fi
  rm -f out
  "$campaign" $n out --taskhub-journal=j.h5 --taskhub-resume >out.txt 2>&1 ||
    fail "killed after $delay s, $what is left and its resume failed: $(cat out.txt)"
  cmp -s clean.out out || fail "killed after $delay s, $what is left and its results differ"
  [ -e j.h5.resume ] && fail "a resume that ended left its copy j.h5.resume"
  echo "atomic.sh: killed after $delay s: $what is left, and resumes"
done
[ "$old" -gt 0 ] || echo "atomic.sh: warning: no kill came before the rename"
echo "atomic.sh: $kills kills: $old left the old journal, $new a new one; each resumed"

# A refused resume leaves the journal as it was and no copy.
head -c 4096 j.h5 >cut.h5
cp cut.h5 cut_before.h5
"$campaign" $n cut.out --taskhub-journal=cut.h5 --taskhub-resume >cut.txt 2>&1
[ $? -eq 2 ] || fail "a journal cut short was not refused: $(cat cut.txt)"
[ -e cut.h5.resume ] && fail "a refused resume left cut.h5.resume"
cmp -s cut.h5 cut_before.h5 || fail "a refused resume changed the journal"
echo "atomic.sh: a refused resume leaves the journal as it was and no copy"
echo "atomic.sh: ok"
