#!/usr/bin/env bash
# A job that cannot finish gives up instead of requeueing forever, and says why, in its log, in
# its state file and through slurm/status. On a real single-node SLURM, three jobs at once:
# 1. every task fails (its data cannot load): with --attempts 2 the job runs twice (the second
#    time with --retry-failed) and gives up; `noisesweep status` lists the failures;
# 2. the warning comes before any task finished: no progress, so no requeue;
# 3. --max-requeues 0: a warned job that made progress still stops after its first run.
bin=${1:?usage: slurm_give_up.sh PATH/TO/noisesweep}
# shellcheck source=tests/e2e/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/slurm/lib.bash
source "$root/tests/slurm/lib.bash"

cat > "$work/failing.toml" <<'TOML'
name = "failing"
[defaults]
data.name = "idx"
data.dir = "/nonexistent/data"
model.hidden = [12, 12]
train.epochs = 2
eval.levels = [0.1]
eval.repetitions = 1

[[stage]]
name = "baseline"
[stage.grid]
seed = {replicates = 2}

[[stage]]
name = "finetune"
init_from = "baseline"
[stage.settings]
reg.lambda = 0.01
[stage.grid]
seed = {replicates = 2}
TOML
# Baselines of several seconds each, for a warning that comes before the first one finishes.
sed -e 's/^train.epochs = 10$/train.epochs = 4000/' "$root/studies/test-small.toml" > "$work/slow.toml"
# Short baselines and long fine-tunings, for a warning after some progress.
sed -e 's/^train.epochs = 3$/train.epochs = 500/' "$root/studies/test-small.toml" > "$work/long.toml"

failing_job=$("${submit[@]}" "$work/failing.toml" --ntasks 2 --attempts 2 --max-requeues 5 \
  --archive "$work/failing/f.h5" --parsable)
slow_job=$("${submit[@]}" "$work/slow.toml" --ntasks 2 --archive "$work/slow/s.h5" --parsable)
capped_job=$("${submit[@]}" "$work/long.toml" --ntasks 2 --max-requeues 0 \
  --archive "$work/capped/c.h5" --parsable)

# 2. Warned as soon as the sweep runs, long before its first task can finish.
slow_log=$work/slow/s.slurm/sweep-$slow_job.log
wait_for_line "$slow_log" "1 worker (MPI ranks 1..1)"
scancel --signal=USR1 --batch "$slow_job"
# 3. Warned after the first finished task.
wait_for_done "$work/capped/c.h5" 1
scancel --signal=USR1 --batch "$capped_job"

# Usage: gave_up JOB LOG STATE_FILE ARCHIVE REASON_PATTERN
gave_up() {
  local job=$1 log=$2 state=$3 archive=$4 pattern=$5 rc=0
  expect_job_end "$job" FAILED "$log"
  grep -q "giving up: .*$pattern" "$log" || fail "job $job: no reason '$pattern' in its log: $(cat "$log")"
  grep -q "^state: gave-up" "$state" || fail "job $job: state file: $(cat "$state")"
  grep -q "^reason: .*$pattern" "$state" || fail "job $job: no reason in the state file: $(cat "$state")"
  "${slurm_status[@]}" "$archive" > "$work/status.txt" || rc=$?
  ((rc == 1)) || fail "job $job: slurm/status exited $rc for a job that gave up, expected 1"
  grep -q "^job: gave-up: .*$pattern" "$work/status.txt" || fail "slurm/status: $(cat "$work/status.txt")"
}

gave_up "$failing_job" "$work/failing/f.slurm/sweep-$failing_job.log" "$work/failing/f.slurm/state" \
  "$work/failing/f.h5" "4 task(s) failed in 2 attempt(s) (attempts = 2)"
log=$work/failing/f.slurm/sweep-$failing_job.log
grep -q "retrying the 4 failed task(s): attempt 2 of 2" "$log" || fail "no retry line: $(cat "$log")"
grep -q "run 2 of job $failing_job" "$log" || fail "the failing job did not run twice"
grep -q "resuming: 4 tasks already finished (4 failed, retried now)" "$log" \
  || fail "the second run did not retry the failures"
if grep -q "run 3 of job" "$log"; then fail "the failing job ran a third time"; fi
"$bin" status "$work/failing/f.h5" > "$work/nstatus.txt" && fail "noisesweep status exited 0 with failures"
grep -q "nonexistent" "$work/nstatus.txt" || fail "status does not show why tasks failed: $(cat "$work/nstatus.txt")"

gave_up "$slow_job" "$slow_log" "$work/slow/s.slurm/state" "$work/slow/s.h5" \
  "no task finished in this run"
if grep -q "requeueing" "$slow_log"; then fail "a job without progress was requeued"; fi

gave_up "$capped_job" "$work/capped/c.slurm/sweep-$capped_job.log" "$work/capped/c.slurm/state" \
  "$work/capped/c.h5" "requeued 0 time(s) already (max_requeues = 0)"
home_untouched
echo "slurm_give_up: all checks passed"
