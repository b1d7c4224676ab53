#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# run.sh PART REPORT MAKE_JOURNAL DIR [CAMPAIGN MPIEXEC]
# Checks taskhub-report on journals that make_journal writes with known contents (see its
# comments for the numbers): PART is text, json, svg, errors, killed, hostile (declared sizes,
# foreign format attributes, control characters), large (40,000 retries in bounded time), graph
# (labels and parents) or version2 (a journal of the older layout). PART
# real reads a journal that taskhub itself wrote, running tests/journal's campaign under MPIEXEC;
# PART damaged reads damaged copies of one.
set -u
part=$1 report=$2 make_journal=$3 dir=$4
rm -rf "$dir" && mkdir -p "$dir" || exit 1
journal=$dir/journal.h5
"$make_journal" "$journal" || { echo "run.sh: make_journal failed"; exit 1; }

fail() {
  echo "run.sh: $part: $*"
  exit 1
}

# run NAME ARGS...: the report's stdout in $dir/NAME.out, stderr in NAME.err, exit code in $code.
run() {
  name=$1
  shift
  "$report" "$@" >"$dir/$name.out" 2>"$dir/$name.err"
  code=$?
}

# has NAME LINE: the output has this exact line.
has() {
  grep -Fqx -- "$2" "$dir/$1.out" || { cat "$dir/$1.out"; fail "no line '$2' in the output of $1"; }
}

case $part in
text)
  run latest "$journal"
  [ "$code" -eq 0 ] || fail "exit code $code"
  [ -s "$dir/latest.err" ] && fail "wrote to stderr: $(cat "$dir/latest.err")"
  has latest "    run  tasks  done  failed  cancelled  restored  unfinished"
  has latest "      1     10     8       2          0         0           0"
  has latest "      2      2     1       0          0         1           0"
  has latest "      3      5     1       0          1         2           1"
  has latest "  total     17    10       2          1         3           1"
  has latest "failures in run 3: 0 failed tasks, 0 errors"
  has latest "  and 1 failed task answered from an earlier run (its error is listed under the run that ran it)"
  has latest "cancelled in run 3: 1 task"
  has latest "      1  taskhub::task_aborted  task 4: task 4 was aborted before it started"
  has latest "  1.000 s  task 3  parse     1 (node-a)  done"
  # Task 5 is still running on engine 2: it counts as busy up to the run's last record.
  has latest "       2  node-c      0   500 ms        33.3%"
  has latest "  S = 1.000, efficiency S/p = 50.0%, Karp-Flatt serial fraction e = 1.000"

  # Run 1 in full: every number here follows from make_journal's times.
  run one "$journal" --run=1 --top=3
  [ "$code" -eq 0 ] || fail "exit code $code"
  cat >"$dir/one.expected" <<EOF
journal $journal
run 1: started 2023-11-14 22:13:20 UTC on hub-host with 2 engines, taskhub 0.1.0: ./prog --taskhub-journal=test.h5
run 2: started 2023-11-14 22:14:10 UTC on hub-host with 1 engine, taskhub 0.1.0: ./prog --taskhub-journal=test.h5 --taskhub-resume
run 3: started 2023-11-14 22:15:00 UTC on hub-host with 2 engines, taskhub 0.2.0: ./prog --taskhub-journal=test.h5 --taskhub-resume

tasks by final state
    run  tasks  done  failed  cancelled  restored  unfinished
      1     10     8       2          0         0           0
      2      2     1       0          0         1           0
      3      5     1       0          1         2           1
  total     17    10       2          1         3           1

failures in run 1: 2 failed tasks, 3 errors
  task    function  engine      attempt  then     error
  task 4  parse     2 (node-b)        1  failed   std::invalid_argument: bad input "4": expected <x> & 'y'
  task 7  flaky     1 (node-a)        1  retried  std::runtime_error: flaky once
  task 7  flaky     2 (node-b)        2  failed   std::runtime_error: flaky twice: café
      see the log

slowest 3 tasks in run 1 (completed - started)
     time  task    function   engine      state
  3.000 s  task 5  integrate  2 (node-b)  done
  2.500 s  task 8  integrate  1 (node-a)  done
  2.000 s  task 1  integrate  1 (node-a)  done

engines in run 1 (wall span 10.000 s: first submitted to last completed)
  engine  host    tasks     busy  utilisation
       1  node-a      5  8.000 s        80.0%
       2  node-b      5  6.000 s        60.0%
speed-up in run 1: 2 engines, busy 14.000 s in a wall span of 10.000 s
  S = 1.400, efficiency S/p = 70.0%, Karp-Flatt serial fraction e = 0.429
EOF
  diff -u "$dir/one.expected" "$dir/one.out" || fail "run 1 differs from what make_journal wrote"

  run all "$journal" --all-runs
  [ "$code" -eq 0 ] || fail "exit code $code"
  has all "failures in runs 1 to 3: 2 failed tasks, 3 errors"
  has all "  run 1 task 4  parse     2 (node-b)        1  failed   std::invalid_argument: bad input \"4\": expected <x> & 'y'"
  has all "  S = 0.800, efficiency S/p = 80.0%, Karp-Flatt serial fraction undefined (one engine: the formula divides by 1 - 1/p = 0)"
  [ "$(grep -c '^engines in run' "$dir/all.out")" -eq 3 ] || fail "--all-runs does not show 3 runs"

  # A journal with no rows yet: a short report, not an error.
  "$make_journal" "$dir/empty.h5" empty || exit 1
  run empty "$dir/empty.h5" --svg="$dir/empty.svg"
  [ "$code" -eq 0 ] || fail "empty journal: exit code $code: $(cat "$dir/empty.err")"
  has empty "no runs"
  run empty_json "$dir/empty.h5" --json
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["runs"] == [] and r["focus"] == []' \
    "$dir/empty_json.out" || fail "empty journal: bad JSON"
  python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$dir/empty.svg" ||
    fail "empty journal: bad SVG"
  ;;

json)
  run one "$journal" --run=1 --top=3 --json
  [ "$code" -eq 0 ] || fail "exit code $code"
  run latest "$journal" --json
  run all "$journal" --all-runs --json --top=0
  python3 - "$dir" <<'EOF' || fail "JSON does not match make_journal's contents"
import json, math, sys
d = sys.argv[1]
def load(name):
    text = open(f"{d}/{name}.out", encoding="utf-8").read()
    assert text.count("\n") == 1, f"{name}: not one line"
    return json.loads(text)
def close(a, b):
    assert a is not None and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6), (a, b)

one = load("one")
assert [r["run"] for r in one["runs"]] == [1, 2, 3]
assert one["runs"][0]["counts"] == {"tasks": 10, "done": 8, "failed": 2, "cancelled": 0,
                                    "restored": 0, "unfinished": 0}
assert one["runs"][0]["host"] == "hub-host" and one["runs"][0]["engines"] == 2
assert one["runs"][1]["counts"] == {"tasks": 2, "done": 1, "failed": 0, "cancelled": 0,
                                    "restored": 1, "unfinished": 0}
assert one["runs"][2]["counts"] == {"tasks": 5, "done": 1, "failed": 0, "cancelled": 1,
                                    "restored": 2, "unfinished": 1}
assert one["total"] == {"tasks": 17, "done": 10, "failed": 2, "cancelled": 1, "restored": 3,
                        "unfinished": 1}
assert one["focus"] == [1] and one["failed_tasks"] == 2 and not one["swmr"]
f = one["failures"]
assert [(x["id"], x["attempt"], x["engine"], x["final"]) for x in f] == [
    (4, 1, 2, True), (7, 1, 1, False), (7, 2, 2, True)], f
assert f[0]["message"] == "bad input \"4\": expected <x> & 'y'"
assert f[0]["type"] == "std::invalid_argument" and f[0]["function"] == "parse"
assert f[2]["message"] == "flaky twice: caf\u00e9\nsee the log" and f[2]["host"] == "node-b"
assert [s["id"] for s in one["slowest"]] == [5, 8, 1]
close(one["slowest"][0]["seconds"], 3.0)
assert one["slowest"][0]["function"] == "integrate" and one["slowest"][0]["engine"] == 2
(u,) = one["usage"]
close(u["wall_span"], 10.0)
close(u["wall_start"], 1700000000.0)
assert [(e["rank"], e["host"], e["tasks"]) for e in u["engines"]] == [(1, "node-a", 5), (2, "node-b", 5)]
close(u["engines"][0]["busy"], 8.0)
close(u["engines"][1]["utilisation"], 0.6)
assert u["p"] == 2
close(u["total_busy"], 14.0)
close(u["speedup"], 1.4)
close(u["efficiency"], 0.7)
close(u["serial_fraction"], (1 / 1.4 - 1 / 2) / (1 - 1 / 2))

latest = load("latest")
assert latest["focus"] == [3] and latest["failures"] == [] and latest["restored_failures"] == 1
assert latest["cancellations"] == [{"type": "taskhub::task_aborted", "tasks": 1, "example": {
    "run": 3, "id": 4, "message": "task 4 was aborted before it started"}}], latest["cancellations"]
(u,) = latest["usage"]
close(u["wall_start"], 1700000100.0)  # restored outcomes keep older times: not counted
close(u["wall_span"], 1.5)
close(u["total_busy"], 1.5)
close(u["serial_fraction"], 1.0)
assert [e["tasks"] for e in latest["usage"][0]["engines"]] == [1, 0]

every = load("all")
assert every["focus"] == [1, 2, 3] and every["slowest"] == [] and every["top"] == 0
two = every["usage"][1]
assert two["p"] == 1 and two["serial_fraction"] is None and "one engine" in two["serial_fraction_undefined"]
EOF
  ;;

svg)
  run one "$journal" --run=1 --svg="$dir/one.svg"
  [ "$code" -eq 0 ] || fail "exit code $code"
  has one "timeline of run 1 drawn to $dir/one.svg"
  run all "$journal" --all-runs --json --svg="$dir/all.svg"
  [ "$code" -eq 0 ] || fail "exit code $code"
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dir/all.out" || fail "--json --svg: stdout is not JSON"
  python3 - "$dir" <<'EOF' || fail "the SVG is not what make_journal's journal should give"
import sys, xml.dom.minidom
d = sys.argv[1]
def bars(name):
    doc = xml.dom.minidom.parse(f"{d}/{name}.svg")
    svg = doc.documentElement
    assert svg.tagName == "svg" and svg.getAttribute("xmlns") == "http://www.w3.org/2000/svg"
    texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild]
    out = {}
    for r in doc.getElementsByTagName("rect"):
        if r.getAttribute("class"):
            out.setdefault(r.getAttribute("class"), []).append(r)
    return texts, out

texts, b = bars("one")
assert any(t.startswith("taskhub timeline: ") for t in texts), texts
assert "engine 1 (node-a) 80%" in texts and "engine 2 (node-b) 60%" in texts, texts
assert "0 s" in texts and "10 s" in texts, texts
assert {k: len(v) for k, v in b.items()} == {"done": 8, "failed": 2, "retried": 1}, b.keys()
# Bars are placed by time: task 5 (2 s to 5 s) is three times as wide as task 3 (1 s).
width = {r.getElementsByTagName("title")[0].firstChild.data.split(" on ")[0]: float(r.getAttribute("width"))
         for r in b["done"]}
assert abs(width["task 5 integrate"] - 3 * width["task 3 integrate"]) < 0.1, width
tips = [r.getElementsByTagName("title")[0].firstChild.data for r in b["failed"]]
assert any("bad input \"4\": expected <x> & 'y'" in t for t in tips), tips

texts, b = bars("all")
assert sum(t.startswith("run ") for t in texts) == 3, texts
assert len(b["unfinished"]) == 1 and len(b["done"]) == 10, {k: len(v) for k, v in b.items()}
EOF
  ;;

errors)
  # expect NAME CODE PATTERN ARGS...: exit CODE, nothing on stdout, one stderr line matching.
  expect() {
    name=$1 want=$2 pattern=$3
    shift 3
    run "$name" "$@"
    [ "$code" -eq "$want" ] || fail "$name: exit code $code, wanted $want"
    [ -s "$dir/$name.out" ] && fail "$name: wrote to stdout: $(cat "$dir/$name.out")"
    [ "$(wc -l <"$dir/$name.err")" -eq 1 ] || fail "$name: not one line: $(cat "$dir/$name.err")"
    grep -Eq -- "$pattern" "$dir/$name.err" || fail "$name: '$(cat "$dir/$name.err")' does not match '$pattern'"
  }
  echo "not a journal" >"$dir/text.h5"
  "$make_journal" "$dir/other.h5" wrong-format || exit 1
  "$make_journal" "$dir/partial.h5" no-errors || exit 1
  expect missing 2 "^taskhub-report: $dir/missing.h5: No such file or directory$" "$dir/missing.h5"
  expect text 2 "^taskhub-report: $dir/text.h5: not an HDF5 file$" "$dir/text.h5"
  expect other 2 "^taskhub-report: $dir/other.h5: not a taskhub journal \(format is 'something-else'" "$dir/other.h5"
  expect partial 2 "^taskhub-report: $dir/partial.h5: not a taskhub journal \(no dataset /errors\)$" "$dir/partial.h5"
  expect directory 2 "^taskhub-report: $dir: is a directory$" "$dir"
  expect no_run 2 "^taskhub-report: $journal: has no run 9 \(it has runs 1 to 3\)$" "$journal" --run=9
  run no_svg "$journal" --svg="$dir/no/such.svg"
  [ "$code" -eq 1 ] || fail "no_svg: exit code $code, wanted 1"
  grep -qx "taskhub-report: $dir/no/such.svg: cannot write: No such file or directory" "$dir/no_svg.err" ||
    fail "no_svg: $(cat "$dir/no_svg.err")"
  run option "$journal" --colour
  [ "$code" -eq 2 ] && grep -q "^taskhub-report: unknown option '--colour'$" "$dir/option.err" || fail "bad option accepted"
  run nothing
  [ "$code" -eq 2 ] || fail "no journal: exit code $code"
  ;;

killed)
  # The writer stopped without closing: the SWMR flag is still set and a plain open fails.
  "$make_journal" "$dir/killed.h5" killed || exit 1
  run killed "$dir/killed.h5"
  [ "$code" -eq 0 ] || fail "exit code $code: $(cat "$dir/killed.err")"
  grep -q "read as a SWMR reader" "$dir/killed.out" || fail "no word about the SWMR flag"
  run clean "$journal"
  sed 1,2d "$dir/killed.out" >"$dir/killed.rest"
  sed 1d "$dir/clean.out" >"$dir/clean.rest"
  diff -u "$dir/clean.rest" "$dir/killed.rest" || fail "the killed journal reads differently"
  run json "$dir/killed.h5" --json
  python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["swmr"] is True' "$dir/json.out" ||
    fail "--json does not say swmr"
  ;;

hostile)
  # A dataset that declares 2^40 rows in a small file: refused before anything is allocated.
  "$make_journal" "$dir/huge.h5" huge-extent || exit 1
  run huge "$dir/huge.h5"
  [ "$code" -eq 2 ] || fail "huge extent: exit code $code: $(cat "$dir/huge.err")"
  [ "$(wc -l <"$dir/huge.err")" -eq 1 ] || fail "huge extent: not one line: $(cat "$dir/huge.err")"
  rows="events declares 1099511627776 rows of [0-9]+ bytes"
  grep -Eqx "taskhub-report: $dir/huge.h5: $rows, more than the file's [0-9]+ bytes can hold" \
    "$dir/huge.err" || fail "huge extent: $(cat "$dir/huge.err")"

  # The format attribute as other writers store it reads as the format.
  run clean "$journal"
  sed 1d "$dir/clean.out" >"$dir/clean.rest"
  for kind in nullterm nullpad spacepad utf8 utf8-variable; do
    "$make_journal" "$dir/$kind.h5" "format-$kind" || exit 1
    run "$kind" "$dir/$kind.h5"
    [ "$code" -eq 0 ] || fail "format-$kind: exit code $code: $(cat "$dir/$kind.err")"
    sed 1d "$dir/$kind.out" >"$dir/$kind.rest"
    cmp -s "$dir/clean.rest" "$dir/$kind.rest" || fail "format-$kind reads differently"
  done
  # String fields in UTF-8, NUL-padded, one filling its field: read whole, and as the others.
  "$make_journal" "$dir/foreign.h5" foreign-strings || exit 1
  run foreign "$dir/foreign.h5" --run=1 --json
  [ "$code" -eq 0 ] || fail "foreign strings: exit code $code: $(cat "$dir/foreign.err")"
  run clean_json "$journal" --run=1 --json
  python3 - "$dir/foreign.out" "$dir/clean_json.out" <<'EOF' || fail "foreign strings read wrong"
import json, sys
foreign, clean = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:])
assert foreign["slowest"][0]["function"] == "integrate" + "_" * 119, foreign["slowest"][0]
for r in (foreign, clean):
    del r["journal"], r["slowest"]
assert foreign == clean
EOF

  # Times that are not a number or past any calendar: left out of the timeline, never sorted.
  "$make_journal" "$dir/odd.h5" odd-times || exit 1
  run odd "$dir/odd.h5" --all-runs
  [ "$code" -eq 0 ] || fail "odd times: exit code $code: $(cat "$dir/odd.err")"
  has odd "run 1: started ? on hub-host with 2 engines, taskhub 0.1.0: ./prog --taskhub-journal=test.h5"
  run odd_json "$dir/odd.h5" --all-runs --json --svg="$dir/odd.svg"
  [ "$code" -eq 0 ] || fail "odd times: exit code $code: $(cat "$dir/odd_json.err")"
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dir/odd_json.out" ||
    fail "odd times: bad JSON"
  python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$dir/odd.svg" ||
    fail "odd times: bad SVG"

  # Control characters, C0 and C1, as UTF-8 and as raw bytes, are shown, not obeyed: in the
  # text, in error lines and in JSON (which a terminal may show too); the SVG has spaces.
  # no_controls FILE: FILE is UTF-8 without C0 (but newlines), DEL or C1 characters.
  no_controls() {
    python3 - "$1" <<'EOF' || fail "control characters in $1"
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
assert not bad, [hex(ord(c)) for c in bad]
EOF
  }
  "$make_journal" "$dir/controls.h5" controls || exit 1
  run controls "$dir/controls.h5" --all-runs --svg="$dir/controls.svg"
  [ "$code" -eq 0 ] || fail "controls: exit code $code: $(cat "$dir/controls.err")"
  no_controls "$dir/controls.out"
  no_controls "$dir/controls.svg"
  shown="esc ^[[31m nel M-^E csi M-^[2J raw $(printf '\357\277\275\357\277\275') del ^?"
  has controls "  run 1 task 4  parse     2 (node-b)        1  failed   typeM-^[: $shown"
  grep -qF "1 (node-M-^[1m)" "$dir/controls.out" || fail "controls: the host is not shown"
  run controls_json "$dir/controls.h5" --run=1 --json
  no_controls "$dir/controls_json.out"
  python3 - "$dir/controls_json.out" <<'EOF' || fail "controls: the JSON is wrong"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert "esc \\u001b[31m nel \\u0085 csi \\u009b2J raw \ufffd\ufffd del \\u007f" in text, text
message = json.loads(text)["failures"][0]["message"]
assert message == "esc \x1b[31m nel \x85 csi \x9b2J raw \ufffd\ufffd del \x7f", message
EOF
  # refused NAME TEXT ARGS...: exit code 2 and one error line, with TEXT and no controls.
  refused() {
    name=$1 text=$2
    shift 2
    run "$name" "$@"
    [ "$code" -eq 2 ] && [ "$(wc -l <"$dir/$name.err")" -eq 1 ] ||
      fail "$name: exit code $code: $(cat "$dir/$name.err")"
    no_controls "$dir/$name.err"
    grep -qF -- "$text" "$dir/$name.err" || fail "$name: $(cat "$dir/$name.err")"
  }
  "$make_journal" "$dir/format_controls.h5" format-controls || exit 1
  refused format_controls "(format is 'taskhub^[[2JM-^[31mM-^Ejournal', not 'taskhub-journal')" \
    "$dir/format_controls.h5"
  refused control_name "no^[]0;suchM-^[$(printf '\357\277\275').h5: No such file or directory" \
    "$dir/$(printf 'no\033]0;such\302\233\205.h5')"
  ;;

graph)
  # Run 3's tasks with labels and parents: the labels name the tasks, the graph is reported.
  "$make_journal" "$dir/graph.h5" graph || fail "make_journal graph failed"
  run graph "$dir/graph.h5" --svg="$dir/graph.svg"
  [ "$code" -eq 0 ] || fail "exit code $code: $(cat "$dir/graph.err")"
  has graph "      1  taskhub::task_aborted  echo 4 (line 4): task 4 was aborted before it started"
  has graph "  1.000 s  echo 3 (line 3)  parse     1 (node-a)  done"
  has graph "task graph of run 3: 5 tasks, 4 dependencies, 3 levels"
  run graph_json "$dir/graph.h5" --json
  python3 - "$dir" <<'EOF' || fail "the graph in --json or the SVG is wrong"
import json, sys, xml.dom.minidom
d = sys.argv[1]
r = json.load(open(f"{d}/graph_json.out", encoding="utf-8"))
(u,) = r["usage"]
g = {n["id"]: n for n in u["graph"]}
assert sorted(g) == [1, 2, 3, 4, 5], g
assert [g[i]["depth"] for i in range(1, 6)] == [0, 0, 1, 2, 2], g
assert g[3]["parents"] == [1, 2] and g[4]["parents"] == [3] and g[5]["parents"] == [3], g
assert [g[i]["state"] for i in range(1, 6)] == ["restored", "restored", "done", "cancelled", None]
assert r["slowest"][0]["label"] == "echo 3 (line 3)", r["slowest"]
doc = xml.dom.minidom.parse(f"{d}/graph.svg")
dots = [c for c in doc.getElementsByTagName("circle") if "task" in c.getAttribute("class")]
assert len(dots) == 5, len(dots)
assert len([l for l in doc.getElementsByTagName("line") if l.getAttribute("class") == "dependency"]) == 4
shown = {t.getAttribute("id"): t.firstChild.data for t in doc.getElementsByTagName("tspan") if t.getAttribute("id")}
assert shown["run-3-graph-tasks"] == "5" and shown["run-3-graph-levels"] == "3", shown
assert shown["run-3-tasks"] == "5" and shown["run-3-cancelled"] == "1", shown
EOF
  # Without parents no graph is drawn.
  run plain "$journal"
  grep -q "^task graph" "$dir/plain.out" && fail "a graph without parents: $(cat "$dir/plain.out")"
  ;;

version2)
  # A journal of version 2, before /tasks had `label` and /parents existed, reads as before.
  "$make_journal" "$dir/v2.h5" version-2 || fail "make_journal version-2 failed"
  run v2 "$dir/v2.h5" --svg="$dir/v2.svg"
  [ "$code" -eq 0 ] || fail "exit code $code: $(cat "$dir/v2.err")"
  run v3 "$journal" --svg="$dir/v3.svg"
  sed "s#$dir/v2#PATH#" "$dir/v2.out" >"$dir/v2.cmp"
  sed "s#$dir/journal.h5#PATH.h5#; s#$dir/v3#PATH#" "$dir/v3.out" >"$dir/v3.cmp"
  diff "$dir/v3.cmp" "$dir/v2.cmp" || fail "a version 2 journal reads otherwise"
  has v2 "  1.000 s  task 3  parse     1 (node-a)  done"
  [ $# -ge 6 ] || exit 0
  # A real journal in the layout of version 2 resumes: its results are served, and the journal
  # goes on in the layout of version 3. Task 1 (index 0) throws: its failure is served too.
  campaign=$5 mpiexec=$6
  "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 3 "$campaign" 40 "$dir/out1" \
    --taskhub-journal="$dir/new.h5" >/dev/null || fail "the campaign failed"
  "$make_journal" "$dir/old.h5" version-2-of "$dir/new.h5" || fail "make_journal version-2-of failed"
  h5dump -a version "$dir/old.h5" | grep -q "(0): 2" || fail "$dir/old.h5 is not of version 2"
  "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 3 "$campaign" 40 "$dir/out2" \
    --taskhub-journal="$dir/old.h5" --taskhub-resume >"$dir/resume.out" 2>&1 ||
    fail "the resume from version 2 failed: $(cat "$dir/resume.out")"
  grep -q "^campaign: 40 tasks, 40 answered from the journal" "$dir/resume.out" ||
    fail "not every task was answered from the version 2 journal: $(cat "$dir/resume.out")"
  cmp -s "$dir/out1" "$dir/out2" || fail "the resumed results differ"
  h5dump -a version "$dir/old.h5" | grep -q "(0): 3" || fail "the resumed journal is not of version 3"
  run resumed "$dir/old.h5" --all-runs
  [ "$code" -eq 0 ] || fail "exit code $code: $(cat "$dir/resumed.err")"
  has resumed "      2     40     0       0          0        40           0"
  ;;

large)
  # 40,000 retries of one task: every analysis is n log n at worst. The bound is ten times the
  # processor time of reading the same file for its small run 1 (0.1 s here), at least 0.5 s: a
  # linear analysis takes 1.4 to 4 times that, one that scanned the task's events for each retry
  # 20 times (2 s). Processor time, so that a busy machine does not fail it, and relative, so
  # that a slower build does not; how fast it is belongs in a benchmark.
  "$make_journal" "$dir/retries.h5" retries 40000 || exit 1
  # cpu_ms ARGS...: runs the report on the journal; its exit code in $code, processor ms in $took
  # (the shell's `times` says what its children used).
  cpu_ms() {
    took=$( ("$report" "$dir/retries.h5" "$@" >"$dir/retries.out" 2>"$dir/retries.err"
      echo "code $?"
      times) | awk '/^code/ { code = $2 }
      NR == 3 { split($1, u, /[ms]/); split($2, s, /[ms]/)
                ms = (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }
      END { printf "%d %d\n", code, ms }')
    code=${took% *} took=${took#* }
    [ "$code" -eq 0 ] || fail "40,000 retries ($*): exit code $code: $(cat "$dir/retries.err")"
  }
  cpu_ms --run=1
  bound=$((took * 10 > 500 ? took * 10 : 500))
  echo "run.sh: large: reading it takes $took ms of processor time; the bound is $bound ms"
  for args in "--run=4" "--run=4 --json" "--run=4 --svg=$dir/retries.svg" "--all-runs"; do
    # shellcheck disable=SC2086
    cpu_ms $args
    [ "$took" -lt "$bound" ] || fail "40,000 retries ($args): took $took ms of processor time"
    echo "run.sh: large: 40,000 retries ($args) in $took ms of processor time"
  done
  python3 - "$dir/retries.svg" <<'EOF' || fail "40,000 retries: the timeline is wrong"
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
classes = [r.getAttribute("class") for r in doc.getElementsByTagName("rect")]
assert classes.count("retried") == 40000 and classes.count("done") == 1, len(classes)
EOF
  ;;

damaged)
  # A journal taskhub wrote, damaged: each open ends at once with one line (HDF5's SWMR reader
  # must not retry a bad checksum for minutes).
  campaign=$5 mpiexec=$6
  "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 3 "$campaign" 20 "$dir/out" \
    --taskhub-journal="$dir/real.h5" >/dev/null || fail "the campaign failed"
  # damaged NAME WHAT: the report of $dir/NAME.h5 ends within 5 s, exit code 2, one line.
  damaged() {
    start=$(date +%s%N)
    timeout 120 "$report" "$dir/$1.h5" >"$dir/$1.out" 2>"$dir/$1.err"
    code=$?
    took=$((($(date +%s%N) - start) / 1000000))
    [ "$code" -eq 2 ] || fail "$2: exit code $code after $took ms: $(cat "$dir/$1.err")"
    [ "$took" -lt 5000 ] || fail "$2: took $took ms"
    [ "$(wc -l <"$dir/$1.err")" -eq 1 ] || fail "$2: not one line: $(cat "$dir/$1.err")"
    grep -q "^taskhub-report: $dir/$1.h5: HDF5 cannot open it (HDF5: " "$dir/$1.err" ||
      fail "$2: $(cat "$dir/$1.err")"
    echo "run.sh: damaged: $2: $took ms: $(cat "$dir/$1.err")"
  }
  # The superblock (version 3): the end-of-file address at byte 28, the checksum at 44.
  cp "$dir/real.h5" "$dir/checksum.h5"
  printf '\000\000\000\000' | dd of="$dir/checksum.h5" bs=1 seek=44 conv=notrunc 2>/dev/null
  damaged checksum "a wrong superblock checksum"
  cp "$dir/real.h5" "$dir/eof.h5"
  printf '\377' | dd of="$dir/eof.h5" bs=1 seek=31 conv=notrunc 2>/dev/null
  damaged eof "a flipped end-of-file address"
  head -c $(($(stat -c %s "$dir/real.h5") / 2)) "$dir/real.h5" >"$dir/half.h5"
  damaged half "a journal cut in half"
  ;;

real)
  # 200 tasks on two engines; every 97th throws: tasks 1, 98 and 195 (indices 0, 97, 194).
  campaign=$5 mpiexec=$6
  "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 3 "$campaign" 200 "$dir/out" \
    --taskhub-journal="$dir/real.h5" >/dev/null || fail "the campaign failed"
  run real "$dir/real.h5" --json --svg="$dir/real.svg"
  [ "$code" -eq 0 ] || fail "exit code $code: $(cat "$dir/real.err")"
  python3 - "$dir" <<'EOF' || fail "the report of a real journal is wrong"
import json, sys, xml.dom.minidom
d = sys.argv[1]
r = json.load(open(f"{d}/real.out", encoding="utf-8"))
assert r["focus"] == [1] and not r["swmr"]
(run,) = r["runs"]
assert run["engines"] == 2 and "campaign" in run["command"], run
import re
assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", run["taskhub_version"]), run  # the journal's writer
assert run["counts"] == {"tasks": 200, "done": 197, "failed": 3, "cancelled": 0, "restored": 0,
                         "unfinished": 0}, run["counts"]
f = r["failures"]
assert [x["id"] for x in f] == [1, 98, 195] and all(x["final"] for x in f), f
assert f[1]["type"] == "std::runtime_error" and f[1]["message"] == "step 97 refuses", f[1]
assert all(x["function"] == "campaign::step" and x["engine"] in (1, 2) for x in f), f
(u,) = r["usage"]
assert u["p"] == 2 and sum(e["tasks"] for e in u["engines"]) == 200, u
assert 0 < u["wall_span"] < 60 and 0 < u["speedup"] <= 2.05, u
assert 0 < r["slowest"][0]["seconds"] < 60
doc = xml.dom.minidom.parse(f"{d}/real.svg")
assert len([x for x in doc.getElementsByTagName("rect") if x.getAttribute("class")]) == 200
EOF
  "$report" "$dir/real.h5" >"$dir/real.txt" || fail "text report failed"
  grep -q "^failures in run 1: 3 failed tasks, 3 errors$" "$dir/real.txt" || fail "$(cat "$dir/real.txt")"
  ;;

*)
  fail "unknown part"
  ;;
esac
echo "run.sh: $part: ok"
