# SPDX-License-Identifier: MIT
# Part of taskhub.
# Sourced by the journal tests. kill_part_way LOG LINES RANKS ARGS...: runs the campaign (with
# $campaign and $mpirun set by the caller) as `campaign ARGS...` with CAMPAIGN_LOG=LOG, waits until
# LOG has LINES lines (at most 30 s), and kills mpirun and every rank with SIGKILL (the ranks
# have process groups of their own, hence setsid and the session's kill).
kill_part_way() {
  local log=$1 lines=$2 ranks=$3
  shift 3
  CAMPAIGN_LOG=$log setsid "$mpirun" -x CAMPAIGN_LOG -n "$ranks" "$campaign" "$@" >/dev/null 2>&1 &
  local job=$!
  for _ in $(seq 600); do
    [ -f "$log" ] && [ "$(wc -l < "$log")" -ge "$lines" ] && break
    sleep 0.05
  done
  pkill -9 -s "$job"
  wait "$job" 2>/dev/null
}
