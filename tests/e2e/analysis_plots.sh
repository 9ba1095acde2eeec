#!/usr/bin/env bash
# analysis/plots.py on real archives: the test study (three stages, a grid and variants) and a
# small study that sweeps two regulariser weights (for the ablation heat map). Every figure
# must be written as a non-empty PNG and SVG with one summary line each; bad input must give
# exit 1 and a one-line message, never a traceback. The ablation gains are checked number by
# number against h5py and against `noisesweep report`.
bin=${1:?usage: analysis_plots.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"
plots=("$python" "$root/analysis/plots.py")

# The statistics figures draw tasks/<id>/stats, which every finished task of a current archive has.
check_stats() {
  "$python" -c "import h5py, sys
tasks = h5py.File(sys.argv[1], 'r')['tasks'].values()
sys.exit(0 if all('stats' in g for g in tasks) else 1)" "$1" || fail "$1: a task has no stats/"
}

check_figures() {  # output dir, log, figure names...
  local dir=$1 log=$2
  shift 2
  for name in "$@"; do
    for ext in png svg; do
      [[ -s "$dir/$name.$ext" ]] || fail "$dir/$name.$ext missing or empty"
    done
    grep -q "^$name .*$name\.{png,svg}: " "$log" || fail "no summary line for $name"
  done
}

figures=(accuracy_vs_noise preactivations hidden_inputs row_sums weight_histograms training_curves
  ablation_gains)

# 1. The test study: no two numeric reg.* keys are swept, so the heat map is skipped, saying why.
"$bin" run "$root/studies/test-small.toml" -o "$work/small.h5" > "$work/run.log"
check_stats "$work/small.h5"
"${plots[@]}" "$work/small.h5" --out "$work/small" > "$work/small.log"
cat "$work/small.log"
check_figures "$work/small" "$work/small.log" "${figures[@]}"
grep -q "^ablation_heatmap .*skipped: .*reg.lambda" "$work/small.log" || fail "heat map not skipped with a note"
# Labelled variants are named by their labels in the legends, not by the settings they set.
for label in "rowsum-layers · hidden 2 only" "rowsum-layers · output only" \
  "rowsum · separation=2, lambda=0.001"; do
  grep -qF ">$label<" "$work/small/accuracy_vs_noise.svg" || fail "legend lacks '$label'"
done
! grep -qF "rowsum=[1, 0]" "$work/small/accuracy_vs_noise.svg" || fail "legend spells out a labelled variant"
[[ ! -e "$work/small/ablation_heatmap.png" ]] || fail "a heat map was written without data"

# Ablation gains: the six fine-tuned groups, the two baselines left out, at the highest level.
grep -q "^ablation_gains .*: 6 fine-tuned groups × 4 kinds at σ² = 1 (2 without a parent left out)$" \
  "$work/small.log" || fail "ablation_gains: wrong summary"
# Its numbers, three ways: the figure's gain_table, a computation straight from the HDF5 file
# (parents from the settings' train.init_from, t quantiles from a printed table), and the
# Δ columns of `noisesweep report` (C++); the SVG's bar annotations must be the gains' means.
"$bin" report "$work/small.h5" --columns improvement --csv "$work/gains.csv" > /dev/null 2>&1 \
  || fail "noisesweep report exited $?"
"$python" - "$work/small.h5" "$work/small/ablation_gains.svg" "$work/gains.csv" "$root/analysis" <<'PY' \
  || fail "ablation_gains: numbers differ"
import csv, math, re, sys
import h5py
import numpy as np
path, svg_path, csv_path, analysis = sys.argv[1:]
sys.path.insert(0, analysis)
from figures.archive import load
from figures.gains import gain_table, t_quantile

# t_{0.975, df} as printed in statistics tables.
for df, t in {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 9: 2.262, 29: 2.045, 30: 2.042}.items():
    assert abs(t_quantile(0.975, df) - t) < 5e-4, (df, t_quantile(0.975, df))
T975 = {1: 12.7062047, 2: 4.3026527, 3: 3.1824463, 4: 2.7764451}  # more digits, for the CIs

def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)

f = h5py.File(path, "r")
done = {text(g.attrs["id"]): g for g in f["tasks"].values() if text(g.attrs["status"]) == "done"}
parent = {}
for tid, g in done.items():
    m = re.search(r'^train\.init_from = "task:([0-9a-f]+)"', text(g.attrs["settings"]), re.M)
    if m and m.group(1) in done:
        parent[tid] = m.group(1)
level = max(float(v) for tid in parent for v in done[tid]["noise/levels"][()])

def accuracy(g, kind):  # in %, mean over repetitions
    kinds = [text(k) for k in g["noise/kinds"][()]]
    j = [float(v) for v in g["noise/levels"][()]].index(level)
    return 100 * g["noise/accuracy"][kinds.index(kind), j, :].mean()

pairs = {}  # (stage, swept values but the seed) -> kind -> per-seed gains
for tid in sorted(parent, key=lambda t: int(done[t].attrs["index"])):
    g = done[tid]
    key = (text(g.attrs["stage"]),) + tuple(sorted((k, text(v)) for k, v in g["axes"].attrs.items() if k != "seed"))
    for kind in (text(k) for k in g["noise/kinds"][()]):
        pairs.setdefault(key, {}).setdefault(kind, []).append(accuracy(g, kind) - accuracy(done[parent[tid]], kind))
expected = {}
for key, kinds in pairs.items():
    for kind, gains in kinds.items():
        n = len(gains)
        half = T975[n - 1] * np.std(gains, ddof=1) / math.sqrt(n) if n > 1 else None
        expected[key, kind] = (np.mean(gains), half, n)

archive = load(path)
table = gain_table(archive.groups, archive.tasks, level)
assert [g.key for g, _ in table] == list(pairs), ([g.key for g, _ in table], list(pairs))
got = {(g.key, kind): gain for g, gains in table for kind, gain in gains.items()}
assert got.keys() == expected.keys(), (got.keys(), expected.keys())
for k, (mean, half, n) in expected.items():
    assert got[k].n == n == 2, (k, got[k])
    assert abs(got[k].mean - mean) < 1e-9, (k, got[k], mean)
    assert abs(got[k].half - half) < 1e-6 * max(1.0, half), (k, got[k], half)

# noisesweep report: one CSV row per group, in the same (study) order as the archive's groups.
rows = list(csv.DictReader(open(csv_path, newline="")))
assert [r["stage"] for r in rows] == [g.stage for g in archive.groups]
for g, row in zip(archive.groups, rows):
    for kind in ("AddUnc", "AddCor", "MulUnc", "MulCor"):
        name = f"gain_{kind}@{level:g}"
        if (g.key, kind) not in got:
            assert row[name + "_n"] == "0", (g.label, kind, row[name + "_n"])
            continue
        gain = got[g.key, kind]
        assert int(row[name + "_n"]) == gain.n, (g.label, kind)
        assert abs(float(row[name + "_mean"]) - gain.mean) < 1e-9, (g.label, kind, row[name + "_mean"], gain)
        for bound, sign in (("_ci_low", -1), ("_ci_high", 1)):
            assert abs(float(row[name + bound]) - (gain.mean + sign * gain.half)) < 1e-6, (g.label, kind, bound)

# The SVG (text stays text): every bar's annotation, and nothing else signed with a decimal
# (tick labels use "−", not "-", and no "+").
svg = open(svg_path, encoding="utf-8").read()
shown = sorted(re.findall(r">([+-][0-9]+\.[0-9])<", svg))
assert shown == sorted(f"{round(m, 1) + 0.0:+.1f}" for m, _, _ in expected.values()), shown
for g, _ in table:
    assert ">" + g.label + "<" in svg, g.label
assert ">baseline · separation=2<" not in svg, "a baseline has a bar"
assert "mean ± 95% CI over 2 seeds" in svg and f"gain over parent at σ² = {level:g} (pp)" in svg
print(f"ablation_gains: {len(expected)} gains at σ² = {level:g} agree with h5py and noisesweep report")
PY
# Without fine-tuned tasks (the baselines alone) there is no gain: skipped with a note.
"${plots[@]}" "$work/small.h5" --out "$work/baselines" --only ablation_gains --stages baseline \
  > "$work/baselines.log"
cat "$work/baselines.log"
grep -q "^ablation_gains .*skipped: no fine-tuned tasks among the selected groups" "$work/baselines.log" \
  || fail "ablation_gains not skipped without fine-tuned tasks"
[[ ! -e "$work/baselines/ablation_gains.png" ]] || fail "ablation gains drawn without fine-tuned tasks"
# --groups picks the bars, --levels the level (the highest chosen).
"${plots[@]}" "$work/small.h5" --out "$work/gains" --only ablation_gains --groups rowsum-layers \
  --levels 0.01:0.1 > "$work/gains.log"
cat "$work/gains.log"
grep -q "^ablation_gains .*: 2 fine-tuned groups × 4 kinds at σ² = 0.1$" "$work/gains.log" \
  || fail "ablation_gains ignores --groups or --levels"
grep -qF "gain over parent at σ² = 0.1 (pp)" "$work/gains/ablation_gains.svg" || fail "ablation_gains: wrong level on the axis"
! grep -qF ">rowsum · " "$work/gains/ablation_gains.svg" || fail "ablation_gains kept an unpicked group"

# 2. Two swept regulariser weights: the heat map is drawn (alone, with --only); --stages and
#    --levels narrow it.
cat > "$work/heat.toml" <<'TOML'
name = "heat"
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 600, features = 8, classes = 3}
model.hidden = [12, 12]
train.epochs = 3
eval.levels = {from = 0.01, to = 1.0, count = 3}
eval.repetitions = 2
[[stage]]
name = "baseline"
[stage.settings]
train.lr = 0.05
[stage.grid]
seed = {replicates = 2}
[[stage]]
name = "uncorrelated"
init_from = "baseline"
[stage.settings]
train.epochs = 1
reg.saturation = 1.0
[stage.grid]
seed = {replicates = 2}
"reg.lambda" = [1e-3, 1e-2, 1e-1]
"reg.l2_output" = [0.0, 1.0]
[[stage]]
name = "labelled"
init_from = "baseline"
[stage.settings]
train.epochs = 1
[stage.grid]
seed = {replicates = 2}
"reg.lambda" = [1e-3, 1e-2]
[[stage.variants]]
label = "sat"
reg.saturation = 1.0
[[stage.variants]]
label = "no sat"
reg.saturation = 0.0
[[stage]]
name = "one-at-a-time"
init_from = "baseline"
[stage.settings]
train.epochs = 1
reg.lambda = 1e-2
[stage.grid]
seed = {replicates = 2}
[[stage.variants]]
reg = {saturation = 1.0, l2_output = 1.0, l2_hidden = [1.0]}
[[stage.variants]]
reg = {saturation = 0.0, l2_output = 1.0, l2_hidden = [1.0]}
[[stage.variants]]
reg = {saturation = 1.0, l2_output = 0.0, l2_hidden = [1.0]}
[[stage.variants]]
reg = {saturation = 1.0, l2_output = 1.0, l2_hidden = [0.0]}
TOML
"$bin" run "$work/heat.toml" -o "$work/heat.h5" > "$work/run.log"
check_stats "$work/heat.h5"
"${plots[@]}" "$work/heat.h5" --out "$work/heat" --only ablation_heatmap --stages uncorrelated \
  --levels 0.1:1 > "$work/heat.log"
cat "$work/heat.log"
check_figures "$work/heat" "$work/heat.log" ablation_heatmap
[[ $(ls "$work/heat" | wc -l) == 2 ]] || fail "--only ablation_heatmap wrote other figures"
grep -q "^ablation_heatmap .*reg.l2_output × reg.lambda, 4 kinds at σ² = 1 and clean accuracy$" "$work/heat.log" \
  || fail "heat map: wrong keys or level"
# Every cell of the heat map, checked against the same paired means computed here from the
# archive: the gain under AddUnc at σ² = 1 and the change in clean accuracy.
"$python" - "$work/heat.h5" "$work/heat/ablation_heatmap.svg" <<'PY' || fail "heat map cells"
import re, sys
import h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
tasks = f["tasks"]
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
cells = {}
for g in tasks.values():
    if text(g.attrs["stage"]) != "uncorrelated":
        continue
    parent = tasks[re.search(r'init_from = "task:([0-9a-f]+)"', text(g.attrs["settings"])).group(1)]
    def addunc_at_1(t):
        kinds = [text(k) for k in t["noise/kinds"][()]]
        level = int(np.argmin(np.abs(t["noise/levels"][()] - 1.0)))
        return t["noise/accuracy"][()][kinds.index("AddUnc"), level].mean() * 100
    key = (text(g["axes"].attrs["reg.lambda"]), text(g["axes"].attrs["reg.l2_output"]))
    cells.setdefault(key, []).append((addunc_at_1(g) - addunc_at_1(parent),
                                      (g.attrs["clean_accuracy"] - parent.attrs["clean_accuracy"]) * 100))
svg = open(sys.argv[2]).read()
shown = re.findall(r">([+-][0-9]+\.[0-9])<", svg)
assert len(cells) == 6 and all(len(v) == 2 for v in cells.values()), cells
for key, pairs in cells.items():
    for column in (0, 1):  # AddUnc gain, clean change
        expected = f"{np.mean([p[column] for p in pairs]):+.1f}"
        assert expected in shown, (key, column, expected, shown)
print("heat map: 6 cells x (AddUnc, clean) match the archive")
PY
# Fourteen fine-tuned groups with labels of up to 56 characters still make one figure.
"${plots[@]}" "$work/heat.h5" --out "$work/heat-gains" --only ablation_gains > "$work/heat-gains.log"
cat "$work/heat-gains.log"
check_figures "$work/heat-gains" "$work/heat-gains.log" ablation_gains
grep -q "^ablation_gains .*: 14 fine-tuned groups × 4 kinds at σ² = 1 (1 without a parent left out)$" \
  "$work/heat-gains.log" || fail "ablation_gains: wrong summary for the heat study"
# A grid swept across labelled variants: the label, then the values that still tell groups apart.
"${plots[@]}" "$work/heat.h5" --out "$work/labelled" --only accuracy_vs_noise --stages labelled \
  > "$work/labelled.log"
for label in "labelled · sat, lambda=0.001" "labelled · no sat, lambda=0.01"; do
  grep -qF ">$label<" "$work/labelled/accuracy_vs_noise.svg" || fail "legend lacks '$label'"
done
# Variants that switch one term off at a time are no grid: a map would average unlike cells.
"${plots[@]}" "$work/heat.h5" --out "$work/uncrossed" --only ablation_heatmap \
  --stages one-at-a-time > "$work/uncrossed.log"
cat "$work/uncrossed.log"
grep -q "^ablation_heatmap .*skipped: reg.saturation × reg.l2_output are not swept as a grid (the tasks also differ in reg.l2_hidden" \
  "$work/uncrossed.log" || fail "uncrossed variants mapped"
[[ ! -e "$work/uncrossed/ablation_heatmap.png" ]] || fail "a heat map of uncrossed variants"
# --groups picks groups by legend label, or by the start of one.
"${plots[@]}" "$work/small.h5" --out "$work/picked" --only accuracy_vs_noise \
  --groups baseline "rowsum-layers · output only" > "$work/picked.log"
grep -q "^accuracy_vs_noise .*: 4 noise kinds × 3 groups," "$work/picked.log" || fail "--groups: $(cat "$work/picked.log")"
for label in "baseline · separation=2" "baseline · separation=3" "rowsum-layers · output only"; do
  grep -qF ">$label<" "$work/picked/accuracy_vs_noise.svg" || fail "--groups: legend lacks '$label'"
done
! grep -qF ">rowsum-layers · hidden 2 only<" "$work/picked/accuracy_vs_noise.svg" || fail "--groups kept an unpicked group"

# 3. An archive from before tasks/<id>/stats (format_version 1): those figures are skipped, saying
#    why, and the run still succeeds.
cp "$work/small.h5" "$work/v1.h5"
"$python" -c "import h5py, sys
f = h5py.File(sys.argv[1], 'r+')
f.attrs['format_version'] = 1
for g in f['tasks'].values(): del g['stats']" "$work/v1.h5"
"${plots[@]}" "$work/v1.h5" --out "$work/v1" --only preactivations row_sums > "$work/v1.log"
cat "$work/v1.log"
[[ $(grep -c "skipped: no network statistics" "$work/v1.log") == 2 ]] || fail "v1: no skip notes"

# 4. Bad input: exit 1, one message on stderr, no traceback.
expect_error() {  # expected message fragment, plots.py arguments...
  local expected=$1 status=0
  shift
  "${plots[@]}" "$@" --out "$work/bad" > /dev/null 2> "$work/err.txt" || status=$?
  ((status == 1)) || fail "plots.py $*: exit $status, expected 1"
  grep -qF -- "$expected" "$work/err.txt" || fail "plots.py $*: expected '$expected', got: $(cat "$work/err.txt")"
  ! grep -q Traceback "$work/err.txt" || fail "plots.py $*: traceback"
  echo "ok: $(cat "$work/err.txt")"
}
expect_error "no such file" "$work/missing.h5"
expect_error "not an HDF5 file" "$work/heat.toml"
"$python" -c "import h5py, sys; h5py.File(sys.argv[1], 'w')" "$work/other.h5"
expect_error "not a noisesweep study archive" "$work/other.h5"
cp "$work/heat.h5" "$work/failed.h5"
"$python" -c "import h5py, sys
for g in h5py.File(sys.argv[1], 'r+')['tasks'].values(): g.attrs['status'] = 'failed'" "$work/failed.h5"
expect_error "no finished tasks to plot" "$work/failed.h5"
expect_error "--stages: no done tasks in stage(s) nope" "$work/small.h5" --stages nope
expect_error "--levels 0.3: no such noise level" "$work/small.h5" --levels 0.3
expect_error "--groups: no group 'rowsum-layers · both'; the groups are 'baseline · separation=2';" \
  "$work/small.h5" --groups "rowsum-layers · both"
echo "analysis_plots: all checks passed"
