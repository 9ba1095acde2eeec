#!/usr/bin/env bash
# Preemption and cancellation on a real single-node SLURM.
# 1. The time-limit warning (USR1 to the batch shell, as --signal=B:USR1 sends it) mid-sweep:
#    the sweep stops cleanly (exit code 3), the job requeues itself, the rerun
#    (SLURM_RESTART_COUNT=1) resumes, both runs' lines stay in one log, and the final archive has
#    every task once with the results of an uninterrupted run.
# 2. scancel mid-sweep: no finished task is lost, the state file says the job was stopped, and
#    submitting again completes the study with the same results.
bin=${1:?usage: slurm_preempt.sh PATH/TO/noisesweep}
# shellcheck source=tests/e2e/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/slurm/lib.bash
source "$root/tests/slurm/lib.bash"

# Short baselines, long fine-tunings: the first tasks finish within a second, the rest take
# seconds more, so a signal sent after the first finished task lands mid-sweep.
sed -e 's/^train.epochs = 3$/train.epochs = 500/' "$root/studies/test-small.toml" > "$work/study.toml"
study=$work/study.toml
tasks=$(task_count "$study")
"${mpi[@]}" -np 3 "$bin" run "$study" -o "$work/plain.h5" > "$work/plain.log"

# 1. The warning signal, then the requeue.
archive=$work/preempt/study.h5
job=$("${submit[@]}" "$study" --ntasks 3 --archive "$archive" --parsable)
log=$work/preempt/study.slurm/sweep-$job.log
wait_for_done "$archive" 1
scancel --signal=USR1 --batch "$job"
wait_for_line "$log" "requeueing:"
grep -q "received SIGUSR1" "$log" || fail "the batch script did not see the signal: $(cat "$log")"
grep -q "stopped on signal 10 before the end" "$log" || fail "the sweep did not stop cleanly"
grep -q "run 1 exited 3 with" "$log" || fail "the stopped sweep did not exit 3: $(cat "$log")"
stopped_at=$(sed -n 's/.*archive written: .* (\([0-9]*\) of [0-9]* tasks finished.*/\1/p' "$log" | head -n 1)
((stopped_at > 0 && stopped_at < tasks)) \
  || fail "the signal did not land mid-sweep: $stopped_at of $tasks tasks done"
expect_job_end "$job" COMPLETED "$log"
grep -q "run 2 of job $job on .*: $stopped_at done" "$log" || fail "no second run: $(cat "$log")"
grep -q "resuming: $stopped_at tasks already finished" "$log" || fail "the rerun did not resume"
grep -q "^run: 2$" "$work/preempt/study.slurm/state" || fail "state file: $(cat "$work/preempt/study.slurm/state")"
compare "$work/plain.h5" "$archive" --expect-tasks "$tasks"

# 2. scancel: SIGTERM to every process of the job, no requeue; then submit again.
archive=$work/cancel/study.h5
job=$("${submit[@]}" "$study" --ntasks 3 --archive "$archive" --parsable)
log=$work/cancel/study.slurm/sweep-$job.log
wait_for_done "$archive" 1
seen=$(done_count "$archive")
scancel "$job"
expect_job_end "$job" CANCELLED "$log"
after=$(done_count "$archive")
((after >= seen)) || fail "scancel lost finished tasks: $seen done before, $after after"
((after < tasks)) || fail "the study finished before scancel reached it"
grep -q "^state: stopped" "$work/cancel/study.slurm/state" \
  || fail "state file after scancel: $(cat "$work/cancel/study.slurm/state")"
rc=0
"${slurm_status[@]}" "$archive" > "$work/status.txt" || rc=$?
((rc == 3)) || fail "slurm/status of a cancelled study exited $rc, expected 3"
job=$("${submit[@]}" "$study" --ntasks 3 --archive "$archive" --parsable)
log=$work/cancel/study.slurm/sweep-$job.log
expect_job_end "$job" COMPLETED "$log"
grep -q "resuming: $after tasks already finished" "$log" || fail "the resubmission did not resume from $after"
compare "$work/plain.h5" "$archive" --expect-tasks "$tasks"
home_untouched
echo "slurm_preempt: all checks passed"
