#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Every C++ block of a document compiles.
# compile_blocks.sh SOURCE_DIR DOC WORK_DIR CXX [FLAGS...]
# Each ```cpp block must follow a line `<!-- snippet: KIND [with HEADER] [same as FILE] -->`:
#   program      a whole program, compiled as it is
#   definitions  declarations and definitions, after the document's context
#   statements   the body of `void snippet(taskhub::hub& hub)`, after the document's context
#   main         the body of `int main(int argc, char** argv)`, after the document's context
# "with HEADER" includes HEADER (a path from SOURCE_DIR, say an example's header) first; "same as
# FILE" also checks that every line of the block is a line of FILE. The context of doc/NAME.md
# is tests/docs/context/NAME.hpp: the names its snippets use without defining them.
set -u
source=$1 doc=$2 work=$3 cxx=$4
shift 4
flags=$*  # include paths and definitions, without spaces
name=$(basename "$doc" .md)
context=$source/tests/docs/context/$name.hpp
fail() { echo "compile_blocks.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1

# Splits the document into block files: WORK/N.cpp (the block), WORK/N.meta (line, kind, with,
# same), and fails on a block without its snippet line.
awk -v work="$work" -v doc="$doc" '
  function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
  /^[ \t]*```cpp[ \t]*$/ {
    n++; inside = 1
    indent = match($0, /[^ \t]/) - 1
    meta = work "/" n ".meta"; body = work "/" n ".cpp"
    if (last !~ /^<!-- snippet: .* -->$/) { print "compile_blocks.sh: " doc ":" NR ": a cpp block without a <!-- snippet: ... --> line"; bad = 1 }
    m = last; sub(/^<!-- snippet: /, "", m); sub(/ -->$/, "", m)
    printf "%d %s\n", NR, m > meta; close(meta)
    printf "" > body
    next
  }
  inside && /^[ \t]*```[ \t]*$/ { inside = 0; close(body); next }
  inside { line = $0; if (substr(line, 1, indent) ~ /^[ \t]*$/) line = substr(line, indent + 1); print line >> body; next }
  { t = trim($0); if (t != "") last = t }
  END { exit bad }
' "$source/$doc" || fail "$doc has cpp blocks without a snippet line"

count=0
for meta in "$work"/*.meta; do
  [ -e "$meta" ] || continue
  n=$(basename "$meta" .meta)
  set -- $(cat "$meta")
  line=$1 kind=$2
  shift 2
  with="" same=""
  while [ $# -gt 0 ]; do
    case $1 in
    with) with=$2; shift 2 ;;
    same) same=$3; shift 3 ;;  # same as FILE
    *) fail "$doc:$line: unknown snippet word '$1'" ;;
    esac
  done
  unit=$work/$n.unit.cpp
  {
    [ -n "$with" ] && echo "#include \"$with\""
    case $kind in
    program) ;;
    definitions | statements | main) echo "#include \"$context\"" ;;
    *) fail "$doc:$line: unknown snippet kind '$kind'" ;;
    esac
    case $kind in
    statements) echo "void snippet(taskhub::hub& hub) {" ;;
    main) echo "int main(int argc, char** argv) {" ;;
    esac
    echo "#line $((line + 1)) \"$doc\""
    cat "$work/$n.cpp"
    case $kind in statements | main) echo "}" ;; esac
  } >"$unit"
  if [ -n "$same" ]; then
    while IFS= read -r l; do
      grep -qxF -- "$l" "$source/$same" || fail "$doc:$line: the block differs from $same at: $l"
    done <"$work/$n.cpp"
  fi
  # shellcheck disable=SC2086
  "$cxx" $flags -I"$source" -fsyntax-only -x c++ "$unit" >"$work/$n.log" 2>&1 ||
    fail "$doc:$line: the $kind block does not compile:
$(grep -E 'error' "$work/$n.log" | head -n 10)"
  count=$((count + 1))
done
echo "compile_blocks.sh: $doc: $count blocks compile"
echo "compile_blocks.sh: ok"
