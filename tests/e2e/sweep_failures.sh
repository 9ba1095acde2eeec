#!/usr/bin/env bash
# Failure isolation: a task that fails (its data cannot load) and one that diverges are recorded
# with their messages, the tasks that start from a failed one are recorded as not run, the rest
# of the sweep finishes, `run` and `status` exit 1, and only --retry-failed runs them again.
bin=${1:?usage: sweep_failures.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

cat > "$work/study.toml" <<'TOML'
name = "failures"
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 600, features = 8, classes = 3}
model.hidden = [12, 12]
train.epochs = 3
eval.levels = [0.1]
eval.repetitions = 1

[[stage]]
name = "baseline"
[stage.grid]
seed = {replicates = 2}
[[stage.variants]]
train.lr = 0.05
[[stage.variants]]
data.name = "idx"
data.dir = "/nonexistent/data"
[[stage.variants]]
model.activation = "relu"
train.optimizer = "sgd"
train.lr = 1e30

[[stage]]
name = "finetune"
init_from = "baseline"
[stage.settings]
reg.rowsum = [1, 30]
reg.lambda = 0.01
[stage.grid]
seed = {replicates = 2}
[[stage.variants]]
train.lr = 0.05
[[stage.variants]]
data.name = "idx"
data.dir = "/nonexistent/data"
[[stage.variants]]
model.activation = "relu"
train.optimizer = "sgd"
train.lr = 1e30
TOML

status=0
"${mpi[@]}" -np 3 "$bin" run "$work/study.toml" -o "$work/a.h5" > "$work/run.log" || status=$?
cat "$work/run.log"
((status == 1)) || fail "run exited $status, expected 1 (failed tasks)"
grep -q "12 of 12 tasks finished, 8 failed" "$work/run.log" || fail "wrong counts in the summary"

status=0
"$bin" status "$work/a.h5" > "$work/status.txt" || status=$?
cat "$work/status.txt"
((status == 1)) || fail "status exited $status, expected 1"
grep -Eq "^baseline +2 +4 +0$" "$work/status.txt" || fail "baseline counts"
grep -Eq "^finetune +2 +4 +0$" "$work/status.txt" || fail "finetune counts"
grep -q "/nonexistent/data" "$work/status.txt" || fail "the data error is not shown"
grep -q "diverged: diverged at epoch 1, batch" "$work/status.txt" || fail "divergence not shown"
grep -q "failed: not run: task" "$work/status.txt" || fail "blocked children not explained"

# Resume without --retry-failed: nothing to do. With it: the failed tasks run (and fail) again.
"${mpi[@]}" -np 3 "$bin" run "$work/study.toml" -o "$work/a.h5" > "$work/again.log" || true
grep -q "resuming: 12 tasks already finished (8 failed)" "$work/again.log" || fail "no resume"
if grep -q "failed: task" "$work/again.log"; then fail "failed tasks ran again without --retry-failed"; fi
"${mpi[@]}" -np 3 "$bin" run "$work/study.toml" -o "$work/a.h5" --retry-failed > "$work/retry.log" || true
[[ $(grep -c "  failed: task" "$work/retry.log") == 8 ]] || fail "--retry-failed did not rerun the 8"
echo "sweep_failures: all checks passed"
