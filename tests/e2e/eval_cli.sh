#!/usr/bin/env bash
# `noisesweep eval`: a saved network evaluated as `train` and `run` evaluate the networks they
# train.
#   - The weights of an archived task, evaluated with their stored settings, give that task's
#     clean and noise accuracies bit for bit (the archive is the independent record).
#   - `train --save-weights` then `eval` prints the same tables as the training run.
#   - --logits: one row per test sample, the argmax of each row, the labels of the data.
#   - -o: a one-task study beside the archive, which `run` repeats and `report` reads.
#   - Bad input: an archive given as weights, weights of another shape, -o with synthetic data.
bin=${1:?usage: eval_cli.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

expect_error() {  # EXPECTED_TEXT COMMAND...: exit 1 and the text on stderr, on one line
  local expected=$1 status=0
  shift
  "$@" > /dev/null 2> "$work/err.txt" || status=$?
  ((status == 1)) || fail "'$*' exited $status, expected 1: $(cat "$work/err.txt")"
  grep -qF -- "$expected" "$work/err.txt" || fail "'$*' says: $(cat "$work/err.txt")"
  (($(wc -l < "$work/err.txt") == 1)) || fail "'$*' prints more than one line: $(cat "$work/err.txt")"
}

# --- an archived task, evaluated again from its weights -------------------------------------
cat > "$work/study.toml" <<'TOML'
name = "kept"
seed = 11
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 600, features = 12, classes = 3}
model.hidden = [16, 16]
train.epochs = 3
eval.kinds = ["AddUnc", "MulCor", "ReadMul", "ADC", "Drift"]
eval.levels = {from = 0.01, to = 1.0, count = 3}
eval.repetitions = 2
[archive]
weights = "all"
[grid]
seed = {replicates = 2}
TOML
"$bin" run "$work/study.toml" -o "$work/kept.h5" --threads 2 > /dev/null
# Each task's kept weights (its /models row and /weights rows) as a weights file.
"$python" - "$work/kept.h5" "$work" <<'PY'
import sys, h5py, numpy as np
from archive_h5 import Archive
archive = Archive(sys.argv[1])
assert archive.version == 3, archive.version
for i, (task_id, task) in enumerate(sorted(archive.tasks().items())):
    weights = archive.weights(task)
    with h5py.File(f"{sys.argv[2]}/task{i}.h5", "w") as out:
        for name in ("activation", "noise_placement", "settings"):
            out.attrs[name] = weights[name]
        out.attrs["layer_sizes"] = weights["layer_sizes"].astype(np.int64)
        out.attrs["format"] = "noisesweep-weights"
        out.attrs["format_version"] = 1
        for l, (W, b) in enumerate(weights["layers"]):
            out[f"layers/{l}/W"], out[f"layers/{l}/b"] = W, b
        out.attrs["task_id"] = task_id
PY
for i in 0 1; do
  "$bin" eval "$work/task$i.h5" --json > "$work/eval$i.json"
  "$python" - "$work/kept.h5" "$work/task$i.h5" "$work/eval$i.json" <<'PY' || fail "task $i"
import json, sys, h5py, numpy as np
from archive_h5 import Archive
archive, weights, result = Archive(sys.argv[1]), h5py.File(sys.argv[2], "r"), json.load(open(sys.argv[3]))
task = archive.tasks()[weights.attrs["task_id"]]
assert result["schema"] == "noisesweep-eval/1"
assert result["clean_accuracy"] == task.attrs["clean_accuracy"], (result["clean_accuracy"], task.attrs["clean_accuracy"])
noise = archive.noise(task)  # (kind, its levels, accuracy levels x repetitions)
assert [k["kind"] for k in result["noise"]] == [kind for kind, _, _ in noise]
for entry, (kind, levels, stored) in zip(result["noise"], noise):
    assert np.array_equal(np.array(entry["levels"]), levels), (kind, entry["levels"], levels)
    got = np.array(entry["accuracy"])
    assert np.array_equal(got, stored), (kind, got, stored)
print(f"task {task.id}: clean and {len(noise)} kinds identical to the archive")
PY
done

# --- train --save-weights, then eval: the same printed tables -----------------------------------
cat > "$work/run.toml" <<'TOML'
data.name = "synthetic"
data.synthetic = {samples = 600, features = 12, classes = 3}
model.hidden = [16]
train.epochs = 2
eval.kinds = ["AddUnc", "StuckOff"]
eval.levels = [0.1, 1.0]
TOML
"$bin" train "$work/run.toml" --save-weights "$work/w.h5" -q > "$work/train.txt"
"$bin" eval "$work/w.h5" -q --logits "$work/logits.h5" > "$work/eval.txt"
tables() { sed -n '/^clean test accuracy/,/^$/p; /^accuracy under noise/,/^train\|^evaluation/p' "$1" | grep -v '^train\|^evaluation'; }
diff <(tables "$work/train.txt") <(tables "$work/eval.txt") || fail "eval prints other tables than train"
grep -q "^clean test accuracy" "$work/eval.txt" || fail "no clean accuracy: $(cat "$work/eval.txt")"
"$python" - "$work/logits.h5" "$work/eval.txt" <<'PY' || fail "logits file"
import re, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
logits, predicted, labels = f["logits"][:], f["predicted"][:], f["labels"][:]
assert f.attrs["format"] == "noisesweep-logits" and logits.dtype == np.float32
assert logits.shape == (len(labels), 3) and np.array_equal(predicted, logits.argmax(axis=1))
clean = float(re.search(r"clean test accuracy: ([0-9.]+)%", open(sys.argv[2]).read()).group(1))
assert abs(100 * (predicted == labels).mean() - clean) < 0.006, (100 * (predicted == labels).mean(), clean)
PY

# --- -o: a one-task study into an archive -----------------------------------------------------
mkdir -p "$work/idx"
"$python" - "$work/idx" <<'PY'
import struct, sys, numpy as np
rng = np.random.default_rng(3)
def write(name, images, labels):
    with open(f"{sys.argv[1]}/{name}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 2051, len(images), 4, 4)); f.write(images.tobytes())
    with open(f"{sys.argv[1]}/{name}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 2049, len(labels))); f.write(labels.tobytes())
for name, n in (("train", 300), ("t10k", 100)):
    labels = rng.integers(0, 2, n).astype(np.uint8)
    images = (rng.integers(0, 100, (n, 16)) + 120 * labels[:, None]).astype(np.uint8)
    write(name, images, labels)
PY
cat > "$work/idx.toml" <<TOML
data.name = "idx"
data.dir = "$work/idx"
data.classes = 2
model.hidden = [8]
train.epochs = 2
eval.kinds = ["AddUnc"]
eval.levels = [0.1, 1.0]
TOML
"$bin" train "$work/idx.toml" --save-weights "$work/idx-w.h5" -q > "$work/idx-train.txt"
"$bin" eval "$work/idx-w.h5" -o "$work/evals/idx.h5" > "$work/idx-eval.txt"
[[ -f "$work/evals/idx.toml" ]] || fail "no study beside the archive"
grep -q "^data.mean = " "$work/evals/idx.toml" || fail "the standardisation is not pinned"
clean=$(sed -n 's/^clean test accuracy: \([0-9.]*\)%.*/\1/p' "$work/idx-train.txt")
"$bin" report "$work/evals/idx.h5" --columns all > "$work/report.md" 2> /dev/null
grep -Eq "^\| 1 \| $clean \(n=1\)" "$work/report.md" || fail "report: not the clean $clean%: $(grep '^| 1' "$work/report.md")"
"$bin" run "$work/evals/idx.toml" -o "$work/again.h5" > /dev/null
compare "$work/evals/idx.h5" "$work/again.h5" || fail "running the written study again gives other results"
# Again: the same study, so the archive resumes; another evaluation or a user's file is kept.
"$bin" eval "$work/idx-w.h5" -o "$work/evals/idx.h5" > "$work/idx-again.txt" \
  || fail "eval -o again: $(cat "$work/idx-again.txt")"
grep -q "resuming: 1 tasks already finished" "$work/idx-again.txt" || fail "eval -o again did not resume"
cp "$work/idx.toml" "$work/evals/mine.toml"
expect_error "$work/evals/mine.toml exists and is not the study of this evaluation" \
  "$bin" eval "$work/idx-w.h5" -o "$work/evals/mine.h5"
cmp -s "$work/idx.toml" "$work/evals/mine.toml" || fail "eval -o changed a file it did not write"

# --- bad input --------------------------------------------------------------------------------
expect_error "not a noisesweep weights file" "$bin" eval "$work/kept.h5"
"$python" -c "
import h5py, numpy as np, shutil, sys
shutil.copy(sys.argv[1], sys.argv[2])
f = h5py.File(sys.argv[2], 'r+'); del f['layers/1/W']; f['layers/1/W'] = np.zeros((3, 7), np.float32)" \
  "$work/w.h5" "$work/bad.h5"
expect_error "bad.h5:/layers/1/W: W has 7 columns but the previous layer has 16 neurons" "$bin" eval "$work/bad.h5"
expect_error "synthetic data are drawn from the run's seed" "$bin" eval "$work/w.h5" -o "$work/x.h5"
expect_error "the weights are for a 12-16-3 network, but the run builds 16-16-3" \
  "$bin" eval "$work/w.h5" "$work/idx.toml" --set data.classes=3
echo "eval_cli: all checks passed"
