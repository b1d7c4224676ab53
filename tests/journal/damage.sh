#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Every resume from a damaged journal ends within seconds: refused with one line, or read right.
# damage.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# Flips each byte of the superblock of a closed journal and of one whose writer was killed (its
# SWMR flag still set, so HDF5 reads it as a SWMR reader, which retries what fails), and bytes
# at random offsets of both; each resume must end within 10 s, refused (exit code 2, one line
# naming the file) or with every result as an uninterrupted run gives it; then bytes of the
# stored results and outcomes, which HDF5 checksums. The resumes run in one
# process (taskhub's local backend opens the journal as the hub does), to try many bytes.
set -u
campaign=$1 mpirun=$2 work=$3
. "$(dirname "$0")/kill_part_way.sh"
n=40
fail() { echo "damage.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$mpirun" -n 2 "$campaign" $n clean.out --taskhub-journal=closed.h5 >/dev/null ||
  fail "the campaign failed"

# A journal whose writer was killed part-way (a longer campaign; its first n tasks are kept).
kill_part_way "$work/killed.log" 300 2 3000 killed.out --taskhub-journal=killed.h5 \
  --taskhub-journal-flush=0.1
[ -f killed.out ] && fail "the killed campaign finished before it was killed"
[ "$(od -An -tu1 -j11 -N1 killed.h5 | tr -d ' ')" -ne 0 ] ||
  fail "the killed journal has no status flags set"

# flip FROM TO OFFSET: TO is FROM with the byte at OFFSET inverted.
flip() {
  local byte
  cp "$1" "$2"
  byte=$(od -An -tu1 -j"$3" -N1 "$1" | tr -d ' ')
  printf "\\x$(printf %02x $((byte ^ 255)))" | dd of="$2" bs=1 seek="$3" conv=notrunc 2>/dev/null
}

# check FILE WHAT: resumes from FILE; it ends within 10 s, refused or with the right results.
refused=0 read=0 slowest=0
check() {
  local file=$1 what=$2 start took
  rm -f out
  start=$(date +%s.%N)
  timeout 60 "$campaign" $n out --taskhub-journal="$file" --taskhub-resume >out.txt 2>&1
  code=$?
  took=$(echo "$(date +%s.%N) - $start" | bc)
  [ "$(echo "$took < 10" | bc)" -eq 1 ] || fail "$what: took $took s (exit code $code)"
  [ "$(echo "$took > $slowest" | bc)" -eq 1 ] && slowest=$took
  if [ "$code" -eq 2 ]; then
    [ "$(grep -c "^taskhub: cannot start: journal $file: " out.txt)" -eq 1 ] ||
      fail "$what: no one-line refusal: $(cat out.txt)"
    [ -f out ] && fail "$what: refused, yet the campaign ran"
    refused=$((refused + 1))
  elif [ "$code" -eq 0 ]; then
    cmp -s clean.out out || fail "$what: read, and the results differ: $(diff clean.out out | head -5)"
    read=$((read + 1))
  else
    fail "$what: exit code $code after $took s: $(cat out.txt)"
  fi
  echo "damage.sh: $what: exit code $code in $took s: $(grep -m1 '^taskhub:' out.txt)"
}

for journal in closed killed; do
  size=$(stat -c %s $journal.h5)
  # Every byte of the superblock of the killed journal, every third one of the closed journal.
  for offset in $(seq 0 $([ $journal = killed ] && echo 1 || echo 3) 47); do
    flip $journal.h5 damaged.h5 "$offset"
    check damaged.h5 "$journal journal, superblock byte $offset inverted"
  done
  for offset in $(awk -v size="$size" -v seed="${#journal}" \
      'BEGIN { srand(seed); for (i = 0; i < 8; ++i) print 48 + int(rand() * (size - 48)) }'); do
    flip $journal.h5 damaged.h5 "$offset"
    check damaged.h5 "$journal journal, byte $offset of $size inverted"
  done
done
echo "damage.sh: $refused refused, $read read right; the slowest took $slowest s"

# Every chunk carries a checksum (Fletcher-32): a flipped byte in /results is never served; the
# tasks whose results it held run again, named with their offsets in one line. A flipped byte in
# /tasks, /events, /outcomes or /errors costs the rows of its chunk, and the tasks they concern
# run again; one in /runs is refused.
if ! /usr/bin/python3 -c "import h5py" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-h5py >/dev/null || fail "cannot install python3-h5py"
fi
# chunk FILE DATASET: the byte offset and stored size of the dataset's first chunk.
chunk() {
  /usr/bin/python3 -c "
import sys, h5py
with h5py.File(sys.argv[1], 'r') as f:
    c = f[sys.argv[2]].id.get_chunk_info(0)
    print(c.byte_offset, c.size)
" "$1" "$2"
}
read -r at size <<<"$(chunk closed.h5 results)" || fail "h5py cannot find the results' chunk"
for within in 0 7 100 $((size - 1)); do
  flip closed.h5 damaged.h5 $((at + within))
  check damaged.h5 "byte $within of the results' chunk inverted"
  [ "$code" -eq 0 ] || fail "a damaged result: exit code $code"
  grep -q "^taskhub: journal damaged.h5: [0-9]* stored result(s) are damaged (their checksum in /results fails: run 1 task [0-9]* at byte [0-9]*" out.txt ||
    fail "a damaged result: no line names the tasks: $(cat out.txt)"
done
for dataset in tasks events outcomes errors; do
  read -r at size <<<"$(chunk closed.h5 $dataset)" || fail "h5py cannot find the $dataset' chunk"
  flip closed.h5 damaged.h5 $((at + 20))
  check damaged.h5 "byte 20 of the $dataset' chunk inverted"
  [ "$code" -eq 0 ] || fail "a damaged chunk of $dataset: exit code $code"
  grep -q "^taskhub: journal damaged.h5: rows whose checksum fails are dropped ([0-9]* of /$dataset); tasks left without a whole outcome run again$" out.txt ||
    fail "a damaged chunk of $dataset: no line says so: $(cat out.txt)"
done
read -r at size <<<"$(chunk closed.h5 runs)" || fail "h5py cannot find the runs' chunk"
flip closed.h5 damaged.h5 $((at + 20))
check damaged.h5 "byte 20 of the runs' chunk inverted"
[ "$code" -eq 2 ] || fail "a damaged chunk of runs: exit code $code"
echo "damage.sh: ok"
