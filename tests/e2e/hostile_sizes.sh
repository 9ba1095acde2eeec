#!/usr/bin/env bash
# End to end: hostile sizes and labels stop the real binary with exit code 1 and a message that
# names the setting (or the file and index) and the estimate, before anything large is allocated;
# nothing ends in std::bad_alloc or a silently guessed class count. Each refusal must come
# within seconds: a check that ran after allocating would take minutes or be killed.
# A sanitizer build (tests/CMakeLists.txt) runs the cases that need no address-space limit.
source "$(dirname "$0")/lib.bash"
bin=${1:?usage: hostile_sizes.sh PATH/TO/noisesweep}

# expect_refusal NAME [--while-loading] PATTERN... -- COMMAND...: COMMAND exits 1 within 20 s
# (times NOISESWEEP_TEST_TIME_SCALE, which the sanitizer build sets for its slowdown),
# stderr matches every PATTERN (grep -E), and stdout shows no phase of a run (with
# --while-loading: no phase after loading the data, where labels are checked).
expect_refusal() {
  local name=$1 phase="loading data"
  shift
  [[ $1 == --while-loading ]] && phase=training && shift
  local -a patterns=()
  while [[ $1 != -- ]]; do
    patterns+=("$1")
    shift
  done
  shift
  local status=0
  timeout $((20 * ${NOISESWEEP_TEST_TIME_SCALE:-1})) "$@" > "$work/$name.out" 2> "$work/$name.err" || status=$?
  ((status == 1)) || {
    cat "$work/$name.out" "$work/$name.err"
    fail "$name: exited $status, expected 1"
  }
  for p in "${patterns[@]}"; do
    grep -Eq -- "$p" "$work/$name.err" || fail "$name: no '$p' in: $(cat "$work/$name.err")"
  done
  ! grep -q "internal error" "$work/$name.err" || fail "$name: $(cat "$work/$name.err")"
  ! grep -q "^$phase" "$work/$name.out" || fail "$name: refused after '$phase'"
  echo "ok: $name: $(cat "$work/$name.err")"
}

estimate='needs about [0-9.]+(e\+[0-9]+)? (GB|TB|PB) of memory at its peak'
# 8 GB of address space: the runs that need tens of GB are refused on any test machine, and a
# run that escaped the check would die of bad_alloc (exit 2), not run for minutes.
in_8gb=(bash -c 'ulimit -v 8000000 && exec "$@"' in_8gb)
# AddressSanitizer reserves terabytes of address space for its shadow memory, so its build
# cannot start under `ulimit -v`: it leaves out the cases that need the limit.
limit_v=true
if "$bin" --version | grep -q -- "-fsanitize=address"; then
  limit_v=false
  echo "AddressSanitizer build: the cases under 'ulimit -v' are left out"
fi

# --- train: runs too large for any machine this test runs on -----------------------------------
train_case() {  # NAME KEY TOML
  printf '%s\n' "$3" > "$work/$1.toml"  # also read by the case after these
  $limit_v || return 0
  expect_refusal "$1" "$1.toml:[0-9]+:[0-9]+: '$2': the run $estimate" \
    "more than this machine's" -- "${in_8gb[@]}" "$bin" train "$work/$1.toml"
}
train_case hidden_1e9 model.hidden 'model.hidden = [1000000000]'
train_case hidden_50000x2 model.hidden 'model.hidden = [50000, 50000]'
train_case synthetic_samples data.synthetic.samples \
  "$(printf 'data.name = "synthetic"\ndata.synthetic.samples = 2000000000')"
train_case synthetic_features data.synthetic.features \
  "$(printf 'data.name = "synthetic"\ndata.synthetic.features = 2000000000')"
train_case repetitions eval.repetitions 'eval.repetitions = 2000000000'
# The same through --set: the message points at the option.
expect_refusal set_hidden "--set model.hidden=\[1000000000\]: 'model.hidden': the run $estimate" \
  -- "$bin" train "$work/repetitions.toml" --set eval.repetitions=3 --set 'model.hidden=[1000000000]'
# 10^8 noise levels are refused while the file is read, before they are spaced out.
printf 'eval.levels = {from = 1e-3, to = 1.0, count = 100000000}\n' > "$work/levels.toml"
expect_refusal levels "levels.toml:1:[0-9]+: 'eval.levels': count = 100000000 is more levels" \
  "about [0-9.]+ GB" -- "$bin" train "$work/levels.toml"

# --- studies: plan and run refuse the same, before expanding or running anything --------------
{
  echo 'name = "huge"'
  for s in 0 1 2 3 4 5 6 7 8 9; do
    printf '[[stage]]\nname = "s%d"\n[stage.grid]\nseed = {replicates = 1000000}\n' "$s"
  done
} > "$work/huge.toml"
cat > "$work/wide.toml" <<'TOML'
name = "wide"
[defaults]
data.name = "synthetic"
[grid]
"model.hidden" = [[10], [50000, 50000]]
TOML
for cmd in plan run; do
  args=("$cmd")
  [[ $cmd == run ]] && args+=(-o "$work/$cmd.h5")
  expect_refusal "huge_$cmd" "huge.toml:5:1: 'seed': the first 2 stages of the study have 2000000 tasks" \
    "more than a study may have \(1000000\); planning them would take about [0-9.]+ GB" \
    -- "$bin" "${args[@]}" "$work/huge.toml"
  if $limit_v; then
    expect_refusal "wide_$cmd" \
      "wide.toml:5:1: 'model.hidden': task 1 \(stage 'main', model.hidden = \[50000, 50000\]\) $estimate" \
      "this machine's 8.19 GB \(the address-space limit \(ulimit -v\)\)" \
      -- "${in_8gb[@]}" "$bin" "${args[@]}" "$work/wide.toml"
  fi
  [[ ! -e "$work/$cmd.h5" ]] || fail "$cmd wrote an archive for a refused study"
done

# A study that fits: the plan prints each stage's memory per task and this machine's memory.
sed 's/50000, 50000/40, 40/' "$work/wide.toml" > "$work/fits.toml"
"$bin" plan "$work/fits.toml" > "$work/fits.txt"
grep -Eq '^main +2 +.* [0-9.]+ (kB|MB)$' "$work/fits.txt" || fail "no memory/task: $(cat "$work/fits.txt")"
grep -Eq "^memory: up to [0-9.]+ (kB|MB) per task at its peak \(task 1, stage 'main', [a-z ]+\).*this machine has [0-9.]+ [kMGT]?B" \
  "$work/fits.txt" || fail "no memory line: $(cat "$work/fits.txt")"

# Above half of the machine's memory (here 8 GB of address space) the plan warns, and exits 0.
if $limit_v; then
  sed 's/50000, 50000/20000, 20000/' "$work/wide.toml" > "$work/close.toml"
  "${in_8gb[@]}" "$bin" plan "$work/close.toml" > "$work/close.txt" || fail "plan of a close study"
  grep -Eq "^warning: task 1 \(stage 'main', model.hidden = \[20000, 20000\]\) $estimate \(training\), more than 50% of this machine's 8.19 GB" \
    "$work/close.txt" || fail "no warning: $(cat "$work/close.txt")"
fi

# 12000 tasks in one archive: checkpoints append only new tasks, so neither plan nor run warns
# about the task count, and the run finishes.
cat > "$work/many.toml" <<'TOML'
name = "many"
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 40, features = 2, classes = 2}
model.hidden = [2]
train.epochs = 0
[grid]
seed = {replicates = 12000}
TOML
"$bin" plan "$work/many.toml" > "$work/many.txt" || fail "plan of a large study"
! grep -q "tasks in one archive" "$work/many.txt" || fail "plan warns about the task count"
"$bin" run "$work/many.toml" -o "$work/many.h5" --threads 1 --progress-interval 100 \
  > "$work/many.log" 2> "$work/many.err" || fail "a run of 12000 tasks: $(cat "$work/many.err")"
! grep -q "tasks in one archive" "$work/many.err" || fail "run warns about the task count"
grep -q "(12000 of 12000 tasks finished, 0 failed)" "$work/many.log" || fail "not every task ran"

# --- labels: the class count is stated, and a label outside it names the file and index -------
# An MNIST-shaped folder (28 x 28 images, labels 0..9), with one label replaced by $2 at index $3.
write_idx() {  # DIR BAD_LABEL BAD_INDEX
  "$python" - "$@" <<'PY'
import os, sys
import numpy as np
folder, bad, at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(folder, exist_ok=True)
rng = np.random.default_rng(0)
def write(name, magic, dims, body):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(np.array([magic, *dims], dtype=">u4").tobytes() + body.tobytes())
for prefix, n in (("train", 300), ("t10k", 100)):
    labels = (np.arange(n) % 10).astype(np.uint8)
    images = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
    images[np.arange(n), labels, :] = 255  # learnable: the label's row is bright
    if prefix == "train" and bad >= 0:
        labels[at] = bad
    write(f"{prefix}-images-idx3-ubyte", 0x803, (n, 28, 28), images)
    write(f"{prefix}-labels-idx1-ubyte", 0x801, (n,), labels)
PY
}
quick='model.hidden = [16]
train.epochs = 1
eval.levels = [0.1]
eval.repetitions = 1'
for bad in 10 255; do
  write_idx "$work/d$bad/mnist" "$bad" 123
  printf 'data.name = "mnist"\ndata.dir = "%s"\n%s\n' "$work/d$bad" "$quick" > "$work/mnist$bad.toml"
  expect_refusal "mnist_label_$bad" --while-loading \
    "$work/d$bad/mnist/train-labels-idx1-ubyte: label $bad at index 123 is out of range \[0, 10\)" \
    "MNIST's own" -- "$bin" train "$work/mnist$bad.toml"
done

# data.name = "idx": the class count is required, not guessed from the largest label.
write_idx "$work/idx" 10 7
printf 'data.name = "idx"\ndata.dir = "%s"\n%s\n' "$work/idx" "$quick" > "$work/idx.toml"
status=0
"$bin" train "$work/idx.toml" > "$work/idx.out" 2> "$work/idx.err" || status=$?
((status == 1)) || fail "idx without data.classes exited $status"
grep -q "'data.classes' is not set" "$work/idx.err" || fail "idx: $(cat "$work/idx.err")"
grep -q "largest labels in $work/idx are 10 (first at index 7) in $work/idx/train-labels-idx1-ubyte" \
  "$work/idx.err" || fail "idx: the labels' span is not named: $(cat "$work/idx.err")"
expect_refusal idx_classes_10 --while-loading "$work/idx/train-labels-idx1-ubyte: label 10 at index 7 is out of range \[0, 10\) \(classes: data.classes" \
  -- "$bin" train "$work/idx.toml" --set data.classes=10
# Stated explicitly, 11 classes train, and the run says how many it uses.
"$bin" train "$work/idx.toml" --set data.classes=11 > "$work/idx11.out"
grep -q "^data: idx, 11 classes (data.classes)$" "$work/idx11.out" ||
  fail "the class count is not printed: $(cat "$work/idx11.out")"
grep -q "^clean test accuracy" "$work/idx11.out" || fail "the 11-class run did not finish"
grep -Eq "^memory: about [0-9.]+ MB at its peak" "$work/idx11.out" || fail "no memory estimate"
echo "hostile_sizes: all checks passed"
