#!/bin/bash
# SPDX-License-Identifier: MIT
# Part of taskhub.
# A real one-node Slurm cluster on this machine, for testing the templates in slurm/.
#
#   tests/slurm/cluster.sh up STATEDIR     # install what is missing, start munged, slurmctld, slurmd
#   tests/slurm/cluster.sh down STATEDIR   # cancel jobs, wait for the queue to drain, stop the daemons
#
# Debian 12 as root, no systemd: the daemons are started by hand. Config, spool, logs and pid files
# live in STATEDIR; clients find the cluster through SLURM_CONF=STATEDIR/slurm.conf (up prints it).
# The node declares CPUs=4 (with SlurmdParameters=config_overrides) so that 4-rank jobs fit on a
# smaller machine. Ports: SLURMCTLD_PORT (default 16817) and SLURMD_PORT (default 16818).
# up fails with a message and a non-zero exit if anything does not start; down only stops daemons
# whose pid files are in STATEDIR (and munged only if up started it).
set -u

die() {
  echo "cluster: ERROR: $*" >&2
  exit 1
}
say() { echo "cluster: $*"; }

[ $# -eq 2 ] || die "usage: $0 up|down STATEDIR"
action=$1
mkdir -p "$2" || die "cannot create $2"
state=$(cd "$2" && pwd) || die "cannot enter $2"
export SLURM_CONF=$state/slurm.conf
host=$(hostname -s)
ctld_port=${SLURMCTLD_PORT:-16817}
slurmd_port=${SLURMD_PORT:-16818}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Sends SIGTERM to the process in pid file $1 and waits up to $2 seconds for it to end.
stop_pidfile() {
  local file=$1 wait_s=$2 pid i
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for ((i = 0; i < wait_s * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster: $(basename "$file" .pid) (pid $pid) ignored SIGTERM for ${wait_s}s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$file"
}

show_logs() {
  local f
  for f in "$state"/*.log /var/log/munge/munged.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
}

install_missing() {
  local p missing=""
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "packages$missing are missing and only root can install them"
  say "installing$missing (apt-get)"
  apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    die "apt-get install$missing failed"
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "munged already running; using it"
    return 0
  fi
  local d i
  for d in /run/munge /var/lib/munge /var/log/munge /etc/munge; do
    mkdir -p "$d" && chown munge:munge "$d" || die "cannot prepare $d for munge"
  done
  chmod 0700 /etc/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 ||
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none ||
      die "cannot create /etc/munge/munge.key"
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0600 /etc/munge/munge.key
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged ||
    { show_logs; die "munged did not start"; }
  for ((i = 0; i < 20; i++)); do # ours from now on, so that down stops it whatever happens next
    [ -s /run/munge/munged.pid ] && cp /run/munge/munged.pid "$state/munged.pid" && break
    sleep 0.1
  done
  for ((i = 0; i < 100; i++)); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
      say "munged up (pid $(cat "$state/munged.pid" 2>/dev/null || echo '?'))"
      return 0
    fi
    sleep 0.1
  done
  show_logs
  die "munged started but 'munge -n | unmunge' still fails after 10 s"
}

write_config() {
  mkdir -p "$state/ctld" "$state/spool" "$state/tmp" || die "cannot create folders in $state"
  cat >"$SLURM_CONF" <<EOF
# Written by tests/slurm/cluster.sh: a one-node test cluster with everything under $state.
ClusterName=taskhubtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/jobcomp.txt
MpiDefault=pmix
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
EnforcePartLimits=ALL
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=3600
KillWait=5
MailProg=/bin/true
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool/%n
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd-%n.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd-%n.log
TmpFS=$state/tmp
NodeName=$host NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  mkdir -p "$state/spool/$host" || die "cannot create $state/spool/$host"
}

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

up() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (the daemons run as root here)"
  install_missing
  local b
  for b in munged slurmctld slurmd; do
    command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || die "$b not found after installing packages"
  done
  alive "$state/slurmctld.pid" && die "a slurmctld from $state is already running; run '$0 down $state' first"
  port_free "$ctld_port" || die "port $ctld_port is in use (another slurmctld?); set SLURMCTLD_PORT"
  port_free "$slurmd_port" || die "port $slurmd_port is in use (another slurmd?); set SLURMD_PORT"
  start_munge
  write_config
  /usr/sbin/slurmctld -c -f "$SLURM_CONF" || { show_logs; die "slurmctld did not start"; }
  local i
  for ((i = 0; i < 100; i++)); do
    scontrol ping 2>/dev/null | grep -q "is UP" && break
    sleep 0.1
  done
  scontrol ping 2>/dev/null | grep -q "is UP" || { show_logs; die "slurmctld does not answer 'scontrol ping'"; }
  say "slurmctld up (pid $(cat "$state/slurmctld.pid"))"
  /usr/sbin/slurmd -f "$SLURM_CONF" || { show_logs; die "slurmd did not start"; }
  local t=""
  for ((i = 0; i < 300; i++)); do
    t=$(sinfo -h -N -o %t 2>/dev/null | head -n 1)
    case $t in
    idle) break ;;
    drain* | down* | fail*)
      sinfo -R >&2
      show_logs
      die "node $host is '$t' instead of idle"
      ;;
    esac
    sleep 0.1
  done
  [ "$t" = idle ] || { show_logs; die "node $host is '${t:-unknown}' after 30 s, not idle"; }
  say "slurmd up (pid $(cat "$state/slurmd-$host.pid")); node $host idle, $(sinfo -h -o '%c CPUs, partition %P')"
  say "use: export SLURM_CONF=$SLURM_CONF"
}

down() {
  local i ids
  if alive "$state/slurmctld.pid"; then
    ids=$(squeue -h -o %i 2>/dev/null)
    if [ -n "$ids" ]; then
      say "cancelling jobs:" $ids
      scancel $ids 2>/dev/null
    fi
    for ((i = 0; i < 600; i++)); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
    [ -z "$(squeue -h -o %i 2>/dev/null)" ] || echo "cluster: WARNING: jobs still queued after 60 s:" \
      "$(squeue -h -o '%i %T' | tr '\n' ' ')" >&2
  fi
  local f rc=0
  for f in "$state"/slurmd-*.pid; do
    [ -f "$f" ] && stop_pidfile "$f" 20
  done
  stop_pidfile "$state/slurmctld.pid" 20
  stop_pidfile "$state/munged.pid" 10
  if pgrep -x slurmstepd >/dev/null; then
    echo "cluster: WARNING: slurmstepd processes are still running: $(pgrep -x slurmstepd | tr '\n' ' ')" >&2
    rc=1
  fi
  say "down ($state)"
  return $rc
}

case $action in
up) up ;;
down) down ;;
*) die "usage: $0 up|down STATEDIR" ;;
esac
