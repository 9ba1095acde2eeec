# A real single-node SLURM cluster (munged, slurmctld, slurmd from Debian's packages) with every
# file under one folder, for the tests/e2e/slurm_*.sh tests. Sourced, not run.
#
#   slurm_start DIR   installs the packages if missing (as root), starts the daemons, exports
#                     SLURM_CONF, and waits until the node is idle. Returns 2 when the packages
#                     are missing and cannot be installed (the caller prints SKIP).
#   slurm_stop        cancels every job, waits for an empty queue, shuts the daemons down.
#   slurm_wait_gone JOB [SECONDS]   waits until a job (and its array tasks) left the queue.
#   slurm_job_log_state JOB          the final state recorded by jobcomp/filetxt (COMPLETED, ...).
#
# Measured with Slurm 22.05 on Debian 12, as root, without systemd; the comments in the config
# say why each setting is there. Two clusters may run at once (ctest -j): each has its own
# folder, munge socket, ports and job ids. By hand:
#   source tests/slurm/cluster.bash && slurm_start /tmp/cluster && sinfo; ...; slurm_stop
set -euo pipefail

slurm_packages=(slurmctld slurmd slurm-client munge)
slurm_dir=""

slurm_missing_packages() {
  local p
  for p in "${slurm_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

# Installs what is missing; prints why and returns 2 if that is impossible here.
slurm_ensure_packages() {
  local missing
  missing=$(slurm_missing_packages | paste -sd' ' -)
  [[ -z $missing ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: SLURM packages missing ($missing) and not root to install them" >&2
    return 2
  fi
  echo "installing $missing" >&2
  # Two tests may get here at once: apt waits for the other's lock instead of failing.
  # shellcheck disable=SC2086  # one word per package
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
         -o DPkg::Lock::Timeout=300 $missing >&2; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300 >&2 || true
    # shellcheck disable=SC2086
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
           -o DPkg::Lock::Timeout=300 $missing >&2; then
      echo "SKIP: SLURM packages missing ($missing) and apt-get cannot install them" >&2
      return 2
    fi
  fi
}

# A TCP port nothing listens on. Random, so that two clusters started together do not collide.
slurm_free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free TCP port found" >&2
  return 1
}

slurm_write_conf() {
  local dir=$1 host=$2 ctld_port=$3 slurmd_port=$4
  cat > "$dir/slurm.conf" <<EOF
ClusterName=nstest
# Job ids of their own: two clusters at once must not both run a "job 1", since Open MPI and PMIx
# name their session files after it.
FirstJobId=$(((RANDOM % 60000 + 1) * 1000))
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
# A short credential lifetime makes a requeued job eligible after ~10 s instead of ~121 s.
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
# srun --mpi=pmix keeps per-step files in TmpFS: per cluster, so that two at once do not collide.
TmpFS=$dir/tmp
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No systemd and no cgroup setup in a test machine: track processes by their parents.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
# Without a frequent main loop, a requeued job waits up to a minute after its begin time.
SchedulerParameters=sched_interval=1
MpiDefault=none
ReturnToService=2
# sbatch --wait polls slowly unless finished jobs leave the queue quickly.
MinJobAge=2
KillWait=10
# No slurmdbd: jobcomp/filetxt keeps each job's final state and exit code.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# More CPUs than the machine has, so that jobs of N+1 ranks fit a small CI machine.
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=12 RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

slurm_start_munge() {
  local dir=$1
  mkdir -p "$dir/munge"
  chmod 700 "$dir/munge"
  mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
    || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 600 "$dir/munge/munge.key"
  # --force: as root munged refuses to start otherwise.
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" </dev/null >/dev/null 2>&1
}

# Stops the daemons if the test script dies without running its EXIT trap (ctest's timeout
# kills it with SIGKILL): started in its own session so that the kill does not reach it.
slurm_start_watchdog() {
  local dir=$1 test_pid=$2
  # shellcheck disable=SC2016  # expanded by the inner bash
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && [[ -e "$2/slurm.conf" ]]; do sleep 2; done
    [[ -e "$2/slurm.conf" ]] || exit 0
    # The daemons, job steps and jobs all inherited SLURM_CONF naming this cluster.
    for p in /proc/[0-9]*; do
      [[ ${p#/proc/} == "$$" ]] && continue
      grep -qzx "SLURM_CONF=$2/slurm.conf" "$p/environ" 2>/dev/null && kill -9 "${p#/proc/}"
    done
    kill -9 "$(cat "$2/munge/munged.pid")" 2>/dev/null
  ' watchdog "$test_pid" "$dir" </dev/null >/dev/null 2>&1 &
}

slurm_start() {
  local dir=$1 host ctld_port slurmd_port
  slurm_ensure_packages || return $?
  mkdir -p "$dir"/{state,spool,run,log,tmp}
  slurm_dir=$(cd "$dir" && pwd)
  host=$(hostname -s)
  ctld_port=$(slurm_free_port)
  slurmd_port=$(slurm_free_port)
  while [[ $slurmd_port == "$ctld_port" ]]; do slurmd_port=$(slurm_free_port); done
  slurm_write_conf "$slurm_dir" "$host" "$ctld_port" "$slurmd_port"
  export SLURM_CONF=$slurm_dir/slurm.conf
  slurm_start_munge "$slurm_dir"
  slurmctld -i -f "$SLURM_CONF" </dev/null >/dev/null 2>&1
  slurmd -f "$SLURM_CONF" </dev/null >/dev/null 2>&1
  slurm_start_watchdog "$slurm_dir" "$$"
  local state=""
  for _ in $(seq 1 150); do
    state=$(sinfo -h -o %t 2>/dev/null || true)
    [[ $state == idle ]] && return 0
    sleep 0.2
  done
  echo "the SLURM node is not idle after 30 s (state '$state'); logs:" >&2
  tail -n 20 "$slurm_dir"/log/*.log "$slurm_dir/munge/munged.log" >&2 || true
  return 1
}

# Waits for pid files' processes to end; SIGKILL after the deadline.
slurm_wait_pids() {
  local deadline=$1 pid f
  shift
  for f in "$@"; do
    [[ -s $f ]] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 $((deadline * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
}

slurm_stop() {
  [[ -n $slurm_dir && -e $slurm_dir/slurm.conf ]] || return 0
  # Cancel first: `scontrol shutdown` alone leaves running job steps orphaned.
  scancel --user="$(id -un)" 2>/dev/null || true
  for _ in $(seq 1 300); do
    [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
    sleep 0.1
  done
  # The daemons remove their pid files as they exit: keep copies to wait on.
  local pid_files=() f
  for f in run/slurmd.pid run/slurmctld.pid munge/munged.pid; do
    cp "$slurm_dir/$f" "$slurm_dir/$f.copy" 2>/dev/null || true
    pid_files+=("$slurm_dir/$f.copy")
  done
  scontrol shutdown >/dev/null 2>&1 || true
  slurm_wait_pids 15 "${pid_files[@]:0:2}"
  [[ -s ${pid_files[2]} ]] && kill "$(cat "${pid_files[2]}")" 2>/dev/null
  slurm_wait_pids 5 "${pid_files[2]}"
  # Tells the watchdog there is nothing left to stop.
  rm -f "$slurm_dir/slurm.conf"
  slurm_dir=""
}

slurm_wait_gone() {
  local job=$1 seconds=${2:-300}
  for _ in $(seq 1 $((seconds * 5))); do
    [[ -z $(squeue -h -j "$job" -o %i 2>/dev/null) ]] && return 0
    sleep 0.2
  done
  echo "job $job still in the queue after $seconds s:" >&2
  squeue >&2 || true
  return 1
}

# The last final state jobcomp/filetxt recorded for a job id ("JOB_1" for an array task).
slurm_job_log_state() {
  local job=$1
  { grep -E "(JobId=$job |ArrayJobId=${job%_*} ArrayTaskId=${job#*_} )" \
    "$slurm_dir/log/jobcomp.txt" 2>/dev/null || true; } |
    tail -n 1 | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p'
}
