#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Runs every template in slurm/ on a real one-node Slurm cluster and checks the jobs' states,
# exit codes and output:
#   app.sbatch       the Mandelbrot example with srun and with mpirun; a missing program fails
#   farm.sbatch      20 tasks that all succeed (srun); 20 tasks with one `exit 3` (mpirun)
#   campaign.sbatch  20 tasks; while the first run is busy the test sends USR1 to the batch
#                    script (what --signal=B:USR1@... does near the time limit); the script
#                    requeues the job, and the second run must resume: tasks the first run
#                    completed are not run again, and the job ends COMPLETED.
#
#   tests/slurm/run.sh BUILD_DIR
#
# Brings the cluster up with cluster.sh (installing slurm-wlm and munge if missing) and always
# takes it down again. Exits non-zero if the cluster cannot start or any check fails.
# Environment: TASKHUB_FARM overrides BUILD_DIR/drivers/taskhub-farm; TASKHUB_SLURM_KEEP=1 keeps
# the work folder; TASKHUB_SLURM_DEADLINE (seconds, default 480) bounds the waits for jobs, so
# that the run ends and tears the cluster down before CTest's time-out (600 s) would kill it.
set -u

[ $# -eq 1 ] || {
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
}
build=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd)
templates=$(cd "$here/../../slurm" && pwd) || exit 2
started=$SECONDS
deadline=$((SECONDS + ${TASKHUB_SLURM_DEADLINE:-480}))
failures=0
# The templates read these; the test sets what it needs per job.
unset TASKHUB_LAUNCHER TASKHUB_APP TASKHUB_APP_ARGS TASKHUB_TASKS TASKHUB_FARM_JOURNAL \
  TASKHUB_FARM_RESUME TASKHUB_FARM_ARGS

say() { echo "[$(printf '%3d' $((SECONDS - started)))s] $*"; }
ok() { echo "      ok: $*"; }
bad() {
  echo "      FAIL: $*"
  failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: runs the command, counts a failure if it fails.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

# A run killed by ctest cannot clean up; tear down clusters of earlier runs whose runner is gone.
for old in /tmp/taskhub-slurm-test.*; do
  [ -f "$old/runner.pid" ] && [ -f "$old/cluster/slurmctld.pid" ] || continue
  kill -0 "$(cat "$old/runner.pid")" 2>/dev/null && continue
  say "tearing down the cluster left behind by an earlier run in $old"
  "$here/cluster.sh" down "$old/cluster" && rm -rf "$old"
done

work=$(mktemp -d /tmp/taskhub-slurm-test.XXXXXX) || exit 2
echo $$ >"$work/runner.pid"
chmod 0755 "$work"
cluster=$work/cluster
export SLURM_CONF=$cluster/slurm.conf

finish() {
  local rc=$?
  trap - EXIT INT TERM
  say "taking the cluster down"
  "$here/cluster.sh" down "$cluster" || {
    echo "run: ERROR: cluster.sh down failed" >&2
    rc=1
  }
  if [ "${TASKHUB_SLURM_KEEP:-0}" = 1 ]; then
    echo "run: work folder kept: $work"
  else
    rm -rf "$work"
  fi
  say "done"
  exit $rc
}
trap finish EXIT
trap 'echo "run: interrupted" >&2; exit 130' INT TERM

# --- the cluster ---------------------------------------------------------------------------------
say "bringing up Slurm in $cluster"
if ! "$here/cluster.sh" up "$cluster"; then
  echo "run: ERROR: the Slurm cluster did not start (see above); no template was tested" >&2
  exit 1
fi
say "$(sinfo --version), node: $(sinfo -h -N -o '%N %t %c CPUs')"

mandelbrot=$build/examples/taskhub-mandelbrot
farm=${TASKHUB_FARM:-$build/drivers/taskhub-farm}
for f in "$mandelbrot" "$farm"; do
  [ -x "$f" ] || {
    echo "run: ERROR: $f is missing (build first)" >&2
    exit 1
  }
done
say "programs: $mandelbrot, $farm"

# --- helpers -------------------------------------------------------------------------------------
# submit NAME [sbatch options...] TEMPLATE: prints the job id; output goes to $work/NAME.out.
submit() {
  local name=$1
  shift
  local id
  id=$(cd "$work/$name" && sbatch --parsable -p debug -o "$work/$name.out" "$@") || {
    echo "run: ERROR: sbatch $* was refused" >&2
    return 1
  }
  echo "${id%%;*}"
}
# field JOBINFO NAME: the value of NAME= in one line of `scontrol show job -o`.
field() { sed -nE "s/^(.* )?$2=([^ ]*).*/\2/p" <<<"$1"; }
job_state() { field "$(scontrol show job -o "$1" 2>/dev/null)" JobState; }
# wait_final ID: waits until the job's state is final; sets INFO to its `scontrol show job -o`.
wait_final() {
  local id=$1 state
  while :; do
    INFO=$(scontrol show job -o "$id" 2>/dev/null)
    state=$(field "$INFO" JobState)
    case $state in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE | SPECIAL_EXIT)
      return 0
      ;;
    esac
    if [ $SECONDS -ge $deadline ]; then
      echo "run: ERROR: job $id still ${state:-unknown} at the deadline; cancelling it" >&2
      scancel "$id"
      return 1
    fi
    sleep 1
  done
}
# show_job NAME ID: waits for the job, prints its state, exit code and output.
show_job() {
  local name=$1 id=$2
  wait_final "$id" || bad "$name: job $id did not end in time"
  say "$name (job $id): JobState=$(field "$INFO" JobState) ExitCode=$(field "$INFO" ExitCode)" \
    "Restarts=$(field "$INFO" Restarts) RunTime=$(field "$INFO" RunTime) NumTasks=$(field "$INFO" NumTasks)"
  sed 's/^/      | /' "$work/$name.out" 2>/dev/null | head -n 40
}
expect_state() { # NAME STATE EXITCODE
  local s e
  s=$(field "$INFO" JobState)
  e=$(field "$INFO" ExitCode)
  check "$1: JobState=$2 (is $s)" [ "$s" = "$2" ]
  if [ "$3" = nonzero ]; then
    check "$1: ExitCode is non-zero (is $e)" [ "${e%%:*}" != 0 ]
  else
    check "$1: ExitCode=$3 (is $e)" [ "$e" = "$3" ]
  fi
}
has() { grep -qE -- "$2" "$work/$1.out"; } # NAME REGEX: the job's output has a line matching REGEX
count_files() { find "$1" -maxdepth 1 -name "$2" | wc -l; }
# outcomes JOURNAL: one line "RUN ID STATE RESTORED" per row of the journal's /outcomes
# (doc/journal.md), read with h5dump.
outcomes() {
  h5dump -y -w 0 -d /outcomes "$1" 2>/dev/null | awk '
    /^ *DATA \{/ { data = 1; next }
    data && /\}/ { if (n > 0) print f[1], f[2], f[3], f[4]; n = 0 }
    data && /[{}]/ { next }
    data { gsub(/[ ,]/, ""); f[++n] = $0 }'
}

# --- inputs --------------------------------------------------------------------------------------
for name in app-srun app-mpirun app-missing farm-ok farm-fail campaign campaign-death; do mkdir -p "$work/$name"; done
# farm-ok: 20 tasks that each leave a file; farm-fail: the same with task 7 exiting with status 3.
for i in $(seq 1 20); do
  echo "echo task $i > $work/farm-ok/done.$i; sleep 0.2" >>"$work/farm-ok/tasks.txt"
  if [ "$i" = 7 ]; then
    echo "exit 3" >>"$work/farm-fail/tasks.txt"
  else
    echo "echo task $i > $work/farm-fail/done.$i; sleep 0.2" >>"$work/farm-fail/tasks.txt"
  fi
  # campaign: 2 s each; a task records its number and the run (SLURM_RESTART_COUNT) that did it.
  echo "sleep 2; echo \"$i \${SLURM_RESTART_COUNT:-0}\" >> $work/campaign/ran.log" >>"$work/campaign/tasks.txt"
  # campaign-death: task 5 kills the engine rank that runs it (SIGKILL), in the first run only.
  if [ "$i" = 5 ]; then
    echo "[ \"\${SLURM_RESTART_COUNT:-0}\" -gt 0 ] || sh $work/campaign-death/killer.sh; echo $i >> $work/campaign-death/ran.log" >>"$work/campaign-death/tasks.txt"
  else
    echo "sleep 0.5; echo $i >> $work/campaign-death/ran.log" >>"$work/campaign-death/tasks.txt"
  fi
done
# The killer walks up from the command to the outermost taskhub-farm process: the engine rank.
cat >"$work/campaign-death/killer.sh" <<'KILL'
p=$PPID
while [ "$(cat /proc/$(awk '{print $4}' /proc/$p/stat)/comm)" = taskhub-farm ]; do
  p=$(awk '{print $4}' /proc/$p/stat)
done
echo "$p" > "$(dirname "$0")/killed.pid"
kill -9 "$p"
sleep 5
KILL

# --- app.sbatch and farm.sbatch (queued together; Slurm runs them one after another) --------
say "submitting app.sbatch (srun, mpirun, a missing program) and farm.sbatch (ok, with a failure)"
export TASKHUB_FARM=$farm
id_app_srun=$(TASKHUB_LAUNCHER=srun TASKHUB_APP=$mandelbrot TASKHUB_APP_ARGS="m.pgm 300 200" \
  submit app-srun "$templates/app.sbatch") || exit 1
id_app_mpirun=$(TASKHUB_LAUNCHER=mpirun TASKHUB_APP=$mandelbrot TASKHUB_APP_ARGS="m.pgm 300 200" \
  submit app-mpirun "$templates/app.sbatch") || exit 1
id_app_missing=$(TASKHUB_APP=$work/no-such-program submit app-missing "$templates/app.sbatch") || exit 1
id_farm_ok=$(TASKHUB_LAUNCHER=srun TASKHUB_TASKS=tasks.txt submit farm-ok "$templates/farm.sbatch") || exit 1
id_farm_fail=$(TASKHUB_LAUNCHER=mpirun TASKHUB_TASKS=tasks.txt submit farm-fail "$templates/farm.sbatch") || exit 1

for launcher in srun mpirun; do
  name=app-$launcher
  id_var=id_app_${launcher}
  show_job "$name" "${!id_var}"
  expect_state "$name" COMPLETED 0:0
  check "$name: 4 ranks (NumTasks=$(field "$INFO" NumTasks))" [ "$(field "$INFO" NumTasks)" = 4 ]
  check "$name: the template used $launcher" has "$name" "^taskhub-app: .*launcher $launcher: "
  check "$name: mandelbrot ran on 3 engines and matched the serial render" \
    has "$name" "^mandelbrot: 300x200, 200 rows as tasks on 3 engines .* identical to the serial render"
  check "$name: m.pgm is a 300x200 PGM" [ "$(head -c 15 "$work/$name/m.pgm" 2>/dev/null | tr '\n' ' ')" = "P5 300 200 255 " ]
done

show_job app-missing "$id_app_missing"
expect_state app-missing FAILED 2:0
check "app-missing: the template names the missing program" has app-missing "no-such-program' is not an executable"

show_job farm-ok "$id_farm_ok"
expect_state farm-ok COMPLETED 0:0
check "farm-ok: the template used srun" has farm-ok "launcher srun: "
n=$(count_files "$work/farm-ok" 'done.*')
check "farm-ok: all 20 tasks ran (done files: $n)" [ "$n" = 20 ]
check "farm-ok: the farm reports 20 done, 0 failed" \
  has farm-ok "^taskhub-farm: 20 tasks: 20 done, 0 failed \(0 answered from the journal\)"
check "farm-ok: the journal tasks.txt.journal.h5 has 20 outcomes, all done" \
  [ "$(outcomes "$work/farm-ok/tasks.txt.journal.h5" | awk '$1 == 1 && $3 == "done"' | wc -l)" = 20 ]

show_job farm-fail "$id_farm_fail"
expect_state farm-fail FAILED nonzero
check "farm-fail: the template used mpirun" has farm-fail "launcher mpirun: "
n=$(count_files "$work/farm-fail" 'done.*')
check "farm-fail: the other 19 tasks ran (done files: $n)" [ "$n" = 19 ]
check "farm-fail: the farm reports 19 done, 1 failed" has farm-fail "^taskhub-farm: 20 tasks: 19 done, 1 failed "
check "farm-fail: the farm names the failed line" has farm-fail "^taskhub-farm: failed: tasks.txt:7: exit 3: "

# --- campaign.sbatch: an engine rank killed; the job requeues itself and resumes -----------------
say "submitting campaign.sbatch where task 5 kills its engine rank in the first run"
id=$(TASKHUB_LAUNCHER=srun TASKHUB_TASKS=tasks.txt submit campaign-death "$templates/campaign.sbatch") || exit 1
show_job campaign-death "$id"
expect_state campaign-death COMPLETED 0:0
check "campaign-death: requeued once (Restarts=$(field "$INFO" Restarts))" [ "$(field "$INFO" Restarts)" = 1 ]
victim=$(cat "$work/campaign-death/killed.pid" 2>/dev/null)
check "campaign-death: the hub named the dead engine (pid ${victim:-?}), its host and its task" \
  has campaign-death "^taskhub: engine [0-9]+ \(pid ${victim:-none} on [^)]+\) is gone; it was running task [0-9]+ \(farm::run_command\)"
check "campaign-death: the template requeued after the rank died" \
  has campaign-death "^campaign: .* the run ended by a signal \(a rank died\?\); requeueing job $id"
check "campaign-death: run 2 passed --resume" has campaign-death "^campaign: .* run 2 on .*--resume"
check "campaign-death: all 20 tasks finished" [ "$(sort -u "$work/campaign-death/ran.log" | wc -l)" = 20 ]

# --- campaign.sbatch: one requeue-and-resume cycle -----------------------------------------------
say "submitting campaign.sbatch (20 tasks of 2 s on 3 engines)"
id=$(TASKHUB_LAUNCHER=srun TASKHUB_TASKS=tasks.txt submit campaign "$templates/campaign.sbatch") || exit 1
ran=$work/campaign/ran.log
running=0
while :; do
  state=$(job_state "$id")
  lines=$(cat "$ran" 2>/dev/null | wc -l)
  if [ "$state" = RUNNING ] && [ "$lines" -ge 6 ]; then
    running=1
    sleep 1.2 # the next 3 tasks are half done, and the journal has the first 6 (flushed every 1 s)
    break
  fi
  case $state in PENDING | CONFIGURING | RUNNING) ;; *)
    bad "campaign: job $id is $state before the test could interrupt it"
    break
    ;;
  esac
  if [ $SECONDS -ge $deadline ]; then
    bad "campaign: job $id did not get to 6 finished tasks before the deadline"
    break
  fi
  sleep 0.5
done
if [ $running = 1 ]; then
  say "campaign (job $id): $(cat "$ran" | wc -l) tasks done; sending USR1 to the batch script, as --signal=B:USR1@... does"
  scancel --batch --signal=USR1 "$id" || bad "campaign: scancel --batch --signal=USR1 $id failed"
  # The first run ends; the job waits to be started again.
  for ((i = 0; i < 60; i++)); do
    info=$(scontrol show job -o "$id")
    [ "$(field "$info" Restarts)" -ge 1 ] 2>/dev/null && break
    sleep 0.5
  done
  say "campaign (job $id): JobState=$(field "$info" JobState) Restarts=$(field "$info" Restarts)" \
    "Reason=$(field "$info" Reason); waiting for the second run"
fi
show_job campaign "$id"
expect_state campaign COMPLETED 0:0
check "campaign: requeued once (Restarts=$(field "$INFO" Restarts))" [ "$(field "$INFO" Restarts)" = 1 ]
check "campaign: the trap caught USR1 and requeued the job" has campaign "^campaign: .* USR1: .*requeueing job $id"
check "campaign: run 1 started without --resume" has campaign "^campaign: .* run 1 on .*--journal=tasks.txt.journal.h5 *\$"
check "campaign: run 2 passed --resume (output appended to the same file)" \
  has campaign "^campaign: .* run 2 on .*--journal=tasks.txt.journal.h5 --resume"
# ran.log: "TASK RUN" per finished task execution (RUN = SLURM_RESTART_COUNT of that run).
first=$(awk '$2 == 0 {print $1}' "$ran" | sort -n | uniq)
second=$(awk '$2 == 1 {print $1}' "$ran" | sort -n | uniq)
all=$(awk '{print $1}' "$ran" | sort -n | uniq | wc -l)
n1=$(echo $first | wc -w)
n2=$(echo $second | wc -w)
again=$(comm -12 <(echo "$first" | tr ' ' '\n' | sort) <(echo "$second" | tr ' ' '\n' | sort) | grep -c .)
say "campaign: run 1 finished $n1 tasks ($(echo $first)), run 2 finished $n2 ($(echo $second)); $again ran in both"
check "campaign: every one of the 20 tasks finished (distinct: $all)" [ "$all" = 20 ]
check "campaign: run 1 finished some tasks ($n1) and run 2 the rest ($n2)" [ "$n1" -ge 6 -a "$n2" -ge 1 ]
check "campaign: run 2 skipped the tasks run 1 completed (at most 3 of run 1's ran again: $again)" \
  [ "$again" -le 3 ]
check "campaign: no task ran twice within one run" [ "$(sort "$ran" | uniq -d | wc -l)" = 0 ]
skipped=$((n1 - again))
check "campaign: the farm's last line says 20 done, $skipped answered from the journal" \
  has campaign "^taskhub-farm: 20 tasks: 20 done, 0 failed \($skipped answered from the journal\)"
restored=$(outcomes "$work/campaign/tasks.txt.journal.h5" | awk '$1 == 2 && $4 == 1' | wc -l)
check "campaign: the journal has $skipped outcomes of run 2 restored from run 1 (has $restored)" \
  [ "$restored" = "$skipped" ]
if [ -x "$build/drivers/taskhub-report" ]; then
  "$build/drivers/taskhub-report" "$work/campaign/tasks.txt.journal.h5" 2>&1 |
    sed -n '/^tasks by final state/,/^ *total/p' | sed 's/^/      | /'
fi

# --- verdict -------------------------------------------------------------------------------------
if [ $failures -gt 0 ]; then
  say "$failures check(s) FAILED"
  exit 1
fi
say "all checks passed"
exit 0
