#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# farm_labels.sh REPORT FARM MPIEXEC DIR
# taskhub-report names the farm's tasks by their command and line, not as farm::run_command
# task N: in the failures, the slowest tasks and --json, with a long command cut short.
set -u
report=$1 farm=$2 mpiexec=$3 dir=$4
fail() {
  echo "farm_labels.sh: $*"
  exit 1
}
rm -rf "$dir" && mkdir -p "$dir" || exit 1
long="echo $(printf 'x%.0s' $(seq 1 100))"
cat >"$dir/tasks.txt" <<EOF
# a comment: line 1
sleep 0.3;   echo slow
exit 3

$long
EOF
timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 3 "$farm" \
  "$dir/tasks.txt" --journal="$dir/farm.h5" --progress=never >"$dir/farm.out" 2>&1
"$report" "$dir/farm.h5" >"$dir/report.txt" 2>&1 || fail "report failed: $(cat "$dir/report.txt")"
"$report" "$dir/farm.h5" --json >"$dir/report.json" 2>&1 || fail "report --json failed"
grep -Eq '^  exit 3 \(line 3\) +farm::run_command ' "$dir/report.txt" ||
  fail "the failure is not named by its command: $(cat "$dir/report.txt")"
grep -Eq '^ +[0-9.]+ ms  sleep 0.3; echo slow \(line 2\) +farm::run_command ' "$dir/report.txt" ||
  fail "the slowest task is not named by its command: $(cat "$dir/report.txt")"
python3 - "$dir" <<'EOF' || fail "--json labels are wrong: $(cat "$dir/report.json")"
import json, sys
r = json.load(open(f"{sys.argv[1]}/report.json"))
labels = sorted(a["label"] for a in r["slowest"])
assert labels == ["echo " + "x" * 64 + "... (line 5)", "exit 3 (line 3)",
                  "sleep 0.3; echo slow (line 2)"], labels
assert [f["label"] for f in r["failures"]] == ["exit 3 (line 3)"], r["failures"]
EOF
echo "farm_labels.sh: ok"
