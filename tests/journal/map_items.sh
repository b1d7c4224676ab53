#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# A map's items are tasks wherever tasks are counted.
# map_items.sh CAMPAIGN MPIRUN REPORT CHUNKSIZE WORKDIR
# Runs tests/journal's campaign as one map of 400 items (every 97th throws: indices 0, 97, 194,
# 291 and 388) and checks: the journal and taskhub-report count 5 failed tasks with their error
# text and 5 failed bars in the timeline; a --taskhub-resume=retry-failed run re-runs exactly
# those 5; a map with retries whose failing items fail only once re-runs exactly those 5 and
# ends with none failed.
set -u
campaign=$1 mpirun=$2 report=$3 chunk=$4 work=$5
n=400
failing="0 97 194 291 388 "
fail() { echo "map_items.sh: FAILED (chunksize $chunk): $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export CAMPAIGN_MAP=$chunk
run() { "$mpirun" -x CAMPAIGN_LOG -x CAMPAIGN_MAP -x CAMPAIGN_FIXED -x CAMPAIGN_RETRIES \
  -x CAMPAIGN_FLAKY_DIR -n 3 "$campaign" $n "$@"; }
# counts JOURNAL RUN: the report's JSON counts of that run, as "tasks done failed restored".
counts() {
  "$report" "$1" --json --run="$2" > "counts$2.json" || fail "taskhub-report failed on $1"
  python3 - "counts$2.json" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
(run,) = [x for x in r["runs"] if x["run"] == int(sys.argv[2])]
c = run["counts"]
print(c["tasks"], c["done"], c["failed"], c["restored"])
PY
}

# A map whose items fail: 5 failed tasks, everywhere.
export CAMPAIGN_LOG=$work/first.log
run first.out --taskhub-journal=j.h5 > first.txt 2>&1 || fail "the first run failed: $(cat first.txt)"
[ "$(grep -c ' error step [0-9]* refuses$' first.out)" -eq 5 ] || fail "the map's results: $(head first.out)"
[ "$(counts j.h5 1)" = "400 395 5 0" ] || fail "the report counts run 1 as $(counts j.h5 1)"
"$report" j.h5 --json --svg=j.svg > report.json || fail "taskhub-report --svg failed"
python3 - <<'PY' || fail "the report's failures or timeline are wrong"
import json, xml.dom.minidom
r = json.load(open("report.json"))
f = r["failures"]
assert sorted(x["message"] for x in f) == sorted(f"step {i} refuses" for i in (0, 97, 194, 291, 388)), f
assert all(x["type"] == "std::runtime_error" and x["function"] == "campaign::step" for x in f), f
doc = xml.dom.minidom.parse("j.svg")
classes = [x.getAttribute("class") for x in doc.getElementsByTagName("rect") if x.getAttribute("class")]
assert classes.count("failed") == 5 and classes.count("done") == 395, (classes.count("failed"), classes.count("done"))
PY
h5dump -d /errors j.h5 | grep -c 'refuses' | grep -qx 5 || fail "the journal's /errors does not hold 5 errors"

# Resume with retry-failed, the failures fixed: exactly the 5 failed items run again.
export CAMPAIGN_LOG=$work/second.log CAMPAIGN_FIXED=1
run second.out --taskhub-journal=j.h5 --taskhub-resume=retry-failed > second.txt 2>&1 \
  || fail "the resumed run failed: $(cat second.txt)"
touch second.log
[ "$(sort -n second.log | tr '\n' ' ')" = "$failing" ] || fail "retry-failed ran: $(sort -n second.log | tr '\n' ' ')"
[ "$(wc -l < second.out.restored)" -eq 395 ] || fail "$(wc -l < second.out.restored) items answered from the journal, wanted 395"
grep -q ' error ' second.out && fail "the resumed map still has failures: $(grep ' error ' second.out | head -3)"
[ "$(counts j.h5 2)" = "400 5 0 395" ] || fail "the report counts run 2 as $(counts j.h5 2)"
unset CAMPAIGN_FIXED

# Retries: items that fail once run again, only they, and the map ends with none failed.
mkdir flaky
export CAMPAIGN_LOG=$work/third.log CAMPAIGN_FLAKY_DIR=$work/flaky CAMPAIGN_RETRIES=3
run third.out --taskhub-journal=k.h5 > third.txt 2>&1 || fail "the run with retries failed: $(cat third.txt)"
grep -q ' error ' third.out && fail "retries left failures: $(grep ' error ' third.out | head -3)"
[ "$(sort -n third.log | uniq -d | tr '\n' ' ')" = "$failing" ] || fail "ran twice: $(sort -n third.log | uniq -d | tr '\n' ' ')"
[ "$(wc -l < third.log)" -eq 405 ] || fail "$(wc -l < third.log) runs, wanted 405"
[ "$(counts k.h5 1)" = "400 400 0 0" ] || fail "the report counts the run with retries as $(counts k.h5 1)"
echo "map_items.sh: ok"
