#!/usr/bin/env bash
# Array mode on a real single-node SLURM: the study in 3 shards (one array task each, its own
# archive). Mid-sweep, shard 0 gets the time-limit warning and is requeued alone, and shard 1 is
# cancelled. The afterany report job names shard 1 and cancels the afterok merge job; the
# command it prints submits shard 1 alone, which resumes it, and the new merge job joins all
# three shards into an archive equal to a plain mpirun run of the whole study.
bin=${1:?usage: slurm_array.sh PATH/TO/noisesweep}
# shellcheck source=tests/e2e/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/slurm/lib.bash
source "$root/tests/slurm/lib.bash"

# Short baselines, long fine-tunings (as in slurm_preempt.sh), so that signals land mid-shard.
# Shards follow the first-stage task: shard 0 holds 8 tasks, shard 1 holds 5, shard 2 holds 3.
sed -e 's/^train.epochs = 3$/train.epochs = 500/' "$root/studies/test-small.toml" > "$work/study.toml"
study=$work/study.toml
tasks=$(task_count "$study")
"${mpi[@]}" -np 3 "$bin" run "$study" -o "$work/plain.h5" > "$work/plain.log"

archive=$work/runs/study.h5
workdir=$work/runs/study.slurm
read -r array merge report < <("${submit[@]}" "$study" --array 3 --ntasks 2 --archive "$archive" --parsable)
shard_archive() { echo "$workdir/shards/shard-$1-of-3.h5"; }
shard_log() { echo "$workdir/shards/shard-$1-job-$2.log"; }

# Shard 1: cancelled after its first finished task.
wait_for_done "$(shard_archive 1)" 1
scancel "${array}_1"
# Shard 0: the warning after its first finished task; it must requeue alone.
wait_for_done "$(shard_archive 0)" 1
scancel --signal=USR1 --batch "${array}_0"
wait_for_line "$(shard_log 0 "$array")" "requeueing:"
stopped_at=$(sed -n 's/.*archive written: .* (\([0-9]*\) of \([0-9]*\) tasks.*/\1 \2/p' "$(shard_log 0 "$array")" | head -n 1)
read -r done_0 of_0 <<< "$stopped_at"
((done_0 > 0 && done_0 < of_0)) || fail "the warning did not land mid-shard: $stopped_at"

expect_job_end "$report" FAILED "$workdir/merge-$report.log"
slurm_wait_gone "$merge" 30 || fail "the merge job $merge stayed in the queue"
[[ $(slurm_job_log_state "$merge") == CANCELLED ]] || fail "merge job $merge: $(slurm_job_log_state "$merge")"
[[ $(slurm_job_log_state "${array}_0") == COMPLETED ]] || fail "shard 0 did not complete after its requeue"
[[ $(slurm_job_log_state "${array}_1") == CANCELLED ]] || fail "shard 1 was not cancelled"
[[ $(slurm_job_log_state "${array}_2") == COMPLETED ]] || fail "shard 2 did not complete"
grep -q "run 2 of job .* (array $array task 0, shard 0/3)" "$(shard_log 0 "$array")" \
  || fail "shard 0 did not run again: $(cat "$(shard_log 0 "$array")")"
grep -q "resuming: $done_0 tasks already finished" "$(shard_log 0 "$array")" || fail "shard 0 did not resume"
for i in 1 2; do
  if grep -q "run 2 of" "$(shard_log "$i" "$array")"; then fail "shard $i ran again with shard 0"; fi
done
grep -q "shard 1: stopped" "$workdir/merge-$report.log" || fail "the report: $(cat "$workdir/merge-$report.log")"
# The report waits for shard 0's requeued run (afterany counts a requeued task as not ended).
if grep -q "shard [02]:" "$workdir/merge-$report.log"; then
  fail "the report names a shard that completed: $(cat "$workdir/merge-$report.log")"
fi
grep -q "cancelled merge job $merge" "$workdir/merge-$report.log" || fail "the report did not cancel the merge"
grep -q "^state: shards-incomplete" "$workdir/state" || fail "state: $(cat "$workdir/state")"
[[ ! -e $archive ]] || fail "an incomplete study was merged"
rc=0
"${slurm_status[@]}" "$archive" > "$work/status.txt" || rc=$?
((rc == 1)) || fail "slurm/status exited $rc for an array with a failed shard, expected 1"
grep -q "shard-1-of-3: stopped" "$work/status.txt" || fail "slurm/status: $(cat "$work/status.txt")"

# The report's own resubmission command, as a user would paste it.
again=$(sed -n 's/.*resubmit with: //p' "$workdir/state")
[[ $again == *"--shards 1" ]] || fail "the resubmission hint is not for shard 1: $again"
shard_1_done=$(done_count "$(shard_archive 1)")
read -r array merge report < <(bash -c "$again --parsable")
expect_job_end "$merge" COMPLETED "$workdir/merge-$merge.log"
expect_job_end "$report" COMPLETED "$workdir/merge-$report.log"
grep -q "resuming: $shard_1_done tasks already finished" "$(shard_log 1 "$array")" \
  || fail "shard 1 did not resume: $(cat "$(shard_log 1 "$array")")"
[[ ! -e $(shard_log 0 "$array") && ! -e $(shard_log 2 "$array") ]] || fail "shards 0 and 2 ran again"
grep -q "^state: complete" "$workdir/state" || fail "state after the merge: $(cat "$workdir/state")"
compare "$work/plain.h5" "$archive" --expect-tasks "$tasks"
"${slurm_status[@]}" "$archive" > "$work/status.txt" || fail "slurm/status of the merged study exited $?"
home_untouched
echo "slurm_array: all checks passed"
