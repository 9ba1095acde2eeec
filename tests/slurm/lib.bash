# Shared by the tests/e2e/slurm_*.sh tests, sourced after tests/e2e/lib.bash: starts a real
# single-node SLURM cluster under $work, stops it when the test ends however it ends, and
# offers small helpers to submit and watch jobs.
# shellcheck shell=bash disable=SC2034,SC2154  # root, work, bin, fail: tests/e2e/lib.bash
# shellcheck source=tests/slurm/cluster.bash
source "$root/tests/slurm/cluster.bash"

trap 'slurm_stop; rm -rf "$work"' EXIT
started=0
slurm_start "$work/cluster" || started=$?
if ((started == 2)); then
  # slurm_start printed why (packages missing and not installable). Exit code 77 makes ctest
  # report the test as skipped, and framework/tools/test.sh fails on any skipped test.
  echo "SKIP: $(basename "$0"): no SLURM on this machine"
  exit 77
fi
((started == 0)) || fail "the SLURM cluster did not start"

# Jobs inherit this environment (sbatch --export=ALL): a $HOME of their own shows whether
# anything writes there.
export HOME=$work/home
mkdir -p "$HOME"
# The same for temporary files (Open MPI's session directories), so that tests that run at the
# same time cannot meet there.
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
# A command that fails outside a check ends the test through `set -e`: say which one.
set -o errtrace
trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
submit=("$root/slurm/submit" --noisesweep "$bin")
slurm_status=("$root/slurm/status" --noisesweep "$bin")

task_count() { "$bin" plan "$1" | sed -n 's/.*: \([0-9]*\) tasks in.*/\1/p'; }

# Done tasks of an archive (journal included); 0 while it does not exist.
done_count() {
  local n
  n=$("$bin" status "$1" 2>/dev/null | awk '$1 == "total" { print $2 }' || true)
  echo "${n:-0}"
}

# Waits until an archive holds at least N done tasks.
wait_for_done() {
  local archive=$1 n=$2 seconds=${3:-120}
  for _ in $(seq 1 $((seconds * 10))); do
    (($(done_count "$archive") >= n)) && return 0
    sleep 0.1
  done
  fail "$archive has $(done_count "$archive") done tasks after $seconds s, expected $n"
}

# Waits until a file contains a line matching a pattern.
wait_for_line() {
  local file=$1 pattern=$2 seconds=${3:-120}
  for _ in $(seq 1 $((seconds * 10))); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no line '$pattern' in $file after $seconds s"
}

# Waits for a job to leave the queue, then checks its final state (jobcomp/filetxt).
expect_job_end() {
  local job=$1 expected=$2 log=${3:-} state
  slurm_wait_gone "$job" 240 || fail "job $job did not end"
  state=$(slurm_job_log_state "$job")
  if [[ $state != "$expected" ]]; then
    [[ -z $log ]] || cat "$log"
    fail "job $job ended $state, expected $expected"
  fi
}

home_untouched() {
  [[ -z $(ls -A "$HOME") ]] || fail "the jobs wrote to \$HOME: $(ls -A "$HOME")"
}
