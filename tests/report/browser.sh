#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# browser.sh REPORT GRAPH_PROGRAM MPIEXEC PNG_INK DIR
# Opens taskhub-report's picture in a real browser (Chromium, headless): the journal of a small
# program with dependencies and failures (examples/graph with --fail), the picture screenshot and
# its pixels counted (png_ink), and the numbers the page shows, read from the browser's DOM, checked
# against the text report's. Exits 77 (skipped) when Chromium is not installed.
set -u
report=$1 program=$2 mpiexec=$3 png_ink=$4 dir=$5
fail() {
  echo "browser.sh: $*"
  exit 1
}
browser=$(command -v chromium || command -v chromium-browser) || {
  echo "browser.sh: SKIPPED: Chromium is not installed (Debian: apt-get install chromium)"
  exit 77
}
rm -rf "$dir" && mkdir -p "$dir" || exit 1
journal=$dir/graph.h5

timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 3 "$program" --fail \
  --taskhub-journal="$journal" >"$dir/program.out" 2>&1 ||
  fail "the graph program failed: $(cat "$dir/program.out")"
"$report" "$journal" --svg="$dir/graph.svg" >"$dir/report.txt" 2>"$dir/report.err" ||
  fail "taskhub-report failed: $(cat "$dir/report.err")"

# Chromium as root needs --no-sandbox; its profile goes in $dir, not in $HOME.
chrome() {
  HOME=$dir timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$dir/profile" "$@" 2>>"$dir/browser.err"
}
height=$(sed -n 's/^<svg [^>]* height="\([0-9]*\)[^>]*>.*/\1/p' "$dir/graph.svg")
[ -n "$height" ] || fail "no height in $dir/graph.svg"
chrome --window-size=1000,"$height" --screenshot="$dir/graph.png" "file://$dir/graph.svg" \
  >/dev/null || fail "Chromium took no screenshot: $(tail -n 5 "$dir/browser.err")"
chrome --dump-dom "file://$dir/graph.svg" >"$dir/graph.dom" ||
  fail "Chromium dumped no DOM: $(tail -n 5 "$dir/browser.err")"
# The same page without its content: a blank picture of the same size.
printf '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="%s"><rect width="100%%" height="100%%" fill="#ffffff"/></svg>\n' \
  "$height" >"$dir/blank.svg"
chrome --window-size=1000,"$height" --screenshot="$dir/blank.png" "file://$dir/blank.svg" \
  >/dev/null || fail "Chromium took no screenshot of a blank page"

ink=$("$png_ink" "$dir/graph.png") || fail "cannot read $dir/graph.png"
blank=$("$png_ink" "$dir/blank.png") || fail "cannot read $dir/blank.png"
echo "browser.sh: screenshot (width height inked green red): $ink; blank page: $blank"

python3 - "$dir" "$ink" "$blank" <<'EOF' || fail "the page does not show what the text report says"
import re, sys
d, ink, blank = sys.argv[1], [int(x) for x in sys.argv[2].split()], [int(x) for x in sys.argv[3].split()]
text = open(f"{d}/report.txt", encoding="utf-8").read()
dom = open(f"{d}/graph.dom", encoding="utf-8").read()

# The screenshot: the picture's size, ink where the blank page has none, done and failed bars.
width, height, inked, green, red = ink
assert blank[2] == 0, f"the blank page has ink: {blank}"
assert width == 1000 and height == blank[1], ink
assert inked > 0.02 * width * height, f"the screenshot is nearly blank: {ink}"
assert green > 100 and red > 100, f"no done (green) or failed (red) marks: {ink}"

shown = dict(re.findall(r'id="(run-[0-9]+-[a-z-]+)"[^>]*>([0-9]+)<', dom))
assert shown, "the DOM shows no numbers"
(run,) = set(k.split("-")[1] for k in shown)
row = re.search(rf"^ +{run} +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", text, re.M)
assert row, text
for name, value in zip(["tasks", "done", "failed", "cancelled", "restored", "unfinished"],
                       row.groups()):
    assert shown[f"run-{run}-{name}"] == value, (name, shown, row.groups())
fail = re.search(rf"^failures in run {run}: (\d+) failed tasks?, (\d+) errors?$", text, re.M)
assert fail, text
assert (shown[f"run-{run}-failed-tasks"], shown[f"run-{run}-errors"]) == fail.groups(), shown
graph = re.search(rf"^task graph of run {run}: (\d+) tasks, (\d+) dependencies, (\d+) levels$",
                  text, re.M)
assert graph, text
assert (shown[f"run-{run}-graph-tasks"], shown[f"run-{run}-graph-dependencies"],
        shown[f"run-{run}-graph-levels"]) == graph.groups(), shown

# examples/graph --fail: 8 tasks, the check and the publish step that needed it failed; 9
# dependencies over 6 levels.
assert row.groups() == ("8", "6", "2", "0", "0", "0"), row.groups()
assert graph.groups() == ("8", "9", "6"), graph.groups()
assert dom.count('class="dependency"') == 9 and dom.count('class="task ') == 8
EOF
echo "browser.sh: the page shows the text report's numbers"
