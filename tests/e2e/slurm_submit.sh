#!/usr/bin/env bash
# slurm/submit on a real single-node SLURM (started under a temp folder, stopped at the end):
# bad options fail before anything is submitted, with messages that name them; --dry-run
# prints a script with the warning signal, requeue and environment settings and submits
# nothing; the test study with 3 MPI ranks, under srun --mpi=pmix and under mpirun, completes
# with every task and the same results as a plain mpirun run; the jobs write nothing to $HOME.
bin=${1:?usage: slurm_submit.sh PATH/TO/noisesweep}
# shellcheck source=tests/e2e/lib.bash
source "$(dirname "$0")/lib.bash"
# shellcheck source=tests/slurm/lib.bash
source "$root/tests/slurm/lib.bash"

study=$root/studies/test-small.toml
tasks=$(task_count "$study")
"${mpi[@]}" -np 3 "$bin" run "$study" -o "$work/plain.h5" > "$work/plain.log"

# Usage: expect_error PATTERN ARGS...: submit fails with exit code 2 and a message matching it.
expect_error() {
  local pattern=$1 rc=0
  shift
  "${submit[@]}" "$@" > "$work/out.txt" 2> "$work/err.txt" || rc=$?
  ((rc != 0)) || fail "submit accepted: $*"
  grep -q -- "$pattern" "$work/err.txt" || fail "unclear error for '$*': $(cat "$work/err.txt")"
}
expect_error "unknown option '--nodez'" "$study" --nodez 2
expect_error "--time '90 minutes': expected" "$study" --time "90 minutes"
expect_error "--ntasks '1': must be at least 2" "$study" --ntasks 1
expect_error "--launcher 'ssh': srun or mpirun" "$study" --launcher ssh
expect_error "--shards needs --array" "$study" --shards 1
expect_error "shard 3 does not exist" "$study" --array 3 --shards 3
expect_error "use --array K" "$study" --extra '#SBATCH --array=0-3'
expect_error "is not shorter than --time" "$study" --time 1 --signal-seconds 60
expect_error "--archive needs a value" "$study" --archive
expect_error "study file '/nonexistent.toml' not found" /nonexistent.toml
printf 'name = "broken"\n[[stage]]\nname = "a"\n[stage.settings]\ntrain.lr = "fast"\n' > "$work/broken.toml"
expect_error "nothing submitted" "$work/broken.toml"
grep -q "broken.toml" "$work/err.txt" || fail "the study error does not name the file"
"${submit[@]}" --help | grep -q -- "--max-requeues N" || fail "--help does not list the options"

# --dry-run: the script on stdout; no files, no job.
"${submit[@]}" "$study" --archive "$work/dry/small.h5" --extra '--mem-per-cpu=100M' \
  --dry-run > "$work/dry.sbatch" 2> "$work/dry.err"
# shellcheck disable=SC2016  # the script's own text, not expanded here
for line in '#SBATCH --signal=B:USR1@120' '#SBATCH --open-mode=append' '#SBATCH --requeue' \
  '#SBATCH --ntasks=2' '#SBATCH --mem-per-cpu=100M' 'export HDF5_USE_FILE_LOCKING=FALSE' \
  'export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads' 'threads=1' \
  "archive=$work/dry/small.h5" 'launch=(srun --mpi=pmix' '"${launch[@]}" "$noisesweep" run'; do
  grep -qF -- "$line" "$work/dry.sbatch" || fail "the script lacks '$line'"
done
grep -q "16 tasks" "$work/dry.err" || fail "no summary of the plan: $(cat "$work/dry.err")"
bash -n "$work/dry.sbatch" || fail "the dry-run script is not valid bash"
[[ ! -e $work/dry ]] || fail "--dry-run wrote files"
[[ -z $(squeue -h) ]] || fail "--dry-run submitted a job"

# The study with 3 ranks, once under each launcher, both jobs at once.
declare -A jobs
for launcher in srun mpirun; do
  jobs[$launcher]=$("${submit[@]}" "$study" --ntasks 3 --launcher "$launcher" \
    --archive "$work/$launcher/small.h5" --parsable)
done
for launcher in srun mpirun; do
  job=${jobs[$launcher]}
  log=$work/$launcher/small.slurm/sweep-$job.log
  expect_job_end "$job" COMPLETED "$log"
  grep -q "run 1 of job $job on .*, 3 ranks: 0 done" "$log" || fail "$launcher: no start line in $log"
  grep -q "2 workers (MPI ranks 1..2)" "$log" || fail "$launcher: the sweep did not run on 3 ranks"
  grep -q "the study is complete" "$log" || fail "$launcher: no completion line in $log"
  compare "$work/plain.h5" "$work/$launcher/small.h5" --expect-tasks "$tasks"
  "${slurm_status[@]}" "$work/$launcher/small.h5" > "$work/status.txt" \
    || fail "$launcher: slurm/status exited $? for a complete study: $(cat "$work/status.txt")"
  grep -q "^job: complete" "$work/status.txt" || fail "$launcher: slurm/status: $(cat "$work/status.txt")"
  [[ -f $work/$launcher/small.slurm/job.sbatch ]] \
    || fail "$launcher: the job script was not kept next to the archive"
done
home_untouched
echo "slurm_submit: all checks passed"
