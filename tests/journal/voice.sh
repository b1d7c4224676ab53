#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# --taskhub-log=quiet|info|debug (and TASKHUB_LOG) set how much taskhub says of itself.
# voice.sh CAMPAIGN MPIRUN WORKDIR
# MPIRUN is the tests' launcher (taskhub-mpiexec in the build tree: mpiexec and its flags).
# A campaign resumed from a journal that does not exist yet says that it starts a new one at info (the default), not when quiet;
# debug adds how the run is set up and how it ended; a bad level is refused before any task.
set -u
campaign=$1 mpirun=$2 work=$3
fail() { echo "voice.sh: FAILED: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
run() { # NAME [flags...]: the campaign on 3 ranks with a fresh journal; stderr in NAME.err
  local name=$1
  shift
  rm -f j.h5 j.h5.log
  "$mpirun" -n 3 "$campaign" 50 "$name.out" --taskhub-journal=j.h5 --taskhub-resume "$@" \
    2>"$name.err" >/dev/null
}
said() { grep -c "^taskhub: $2" "$1.err"; }

run info || fail "the run at the default level failed: $(cat info.err)"
[ "$(said info 'journal j.h5 does not exist yet')" -eq 1 ] || fail "info: no journal line: $(cat info.err)"
[ "$(said info 'run: ')" -eq 0 ] || fail "info: a debug line: $(cat info.err)"
run quiet --taskhub-log=quiet || fail "the quiet run failed: $(cat quiet.err)"
[ "$(grep -c '^taskhub: ' quiet.err)" -eq 0 ] || fail "quiet: taskhub said: $(cat quiet.err)"
TASKHUB_LOG=quiet run quiet_variable || fail "the TASKHUB_LOG=quiet run failed"
[ "$(grep -c '^taskhub: ' quiet_variable.err)" -eq 0 ] || fail "TASKHUB_LOG=quiet: taskhub said: $(cat quiet_variable.err)"
run debug --taskhub-log=debug || fail "the debug run failed: $(cat debug.err)"
[ "$(said debug 'run: 2 engines on 1 host')" -eq 1 ] || fail "debug: no set-up line: $(cat debug.err)"
[ "$(said debug 'run ended: exit code 0')" -eq 1 ] || fail "debug: no end line: $(cat debug.err)"
[ "$(said debug 'journal j.h5 does not exist yet')" -eq 1 ] || fail "debug: no journal line"
echo "voice.sh: $(grep '^taskhub: run' debug.err | tr '\n' ' ')"
run loud --taskhub-log=loud
code=$?
[ "$code" -eq 2 ] || fail "--taskhub-log=loud: exit code $code, wanted 2"
grep -q "^taskhub: cannot start: --taskhub-log=loud: wanted quiet, info or debug" loud.err ||
  fail "--taskhub-log=loud: $(cat loud.err)"
[ -f loud.out ] && fail "--taskhub-log=loud: the campaign ran"
# Errors are said whatever the level.
run refused --taskhub-log=quiet --taskhub-hwm=x
grep -q "^taskhub: cannot start: --taskhub-hwm=x" refused.err || fail "quiet hid an error: $(cat refused.err)"
echo "voice.sh: ok"
