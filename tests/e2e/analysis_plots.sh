#!/usr/bin/env bash
# analysis/plots.py on real archives: the test study (three stages, a grid and variants), a
# small study that sweeps two regulariser weights (for the ablation heat map), and the study of
# every nonideality (each kind with levels of its own: the archive's /noise rows). Every
# figure must be written as a non-empty PNG and SVG with one summary line each, or be skipped
# with its note; bad input must give exit 1 and a one-line message, never a traceback. The
# ablation gains are checked number by number against h5py and against `noisesweep report`,
# the protection matrix cell by cell against the CSV that `noisesweep report` writes, and the
# trade-off's points against h5py.
bin=${1:?usage: analysis_plots.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"
plots=("$python" "$root/analysis/plots.py")

# The statistics figures draw the network statistics (/layers and /hidden rows), which every
# finished task of a current archive has: every layer and every hidden layer.
check_stats() {
  "$python" - "$1" <<'PY' || fail "$1: a task has no statistics"
import sys
from archive_h5 import Archive
archive = Archive(sys.argv[1])
def numbered(stats, table):
    return {int(k.split("/")[1]) for k in stats if k.startswith(table + "/")}
for task in archive.tasks().values():
    stats = archive.stats(task)
    layers, hidden = numbered(stats, "layers"), numbered(stats, "hidden")
    assert layers and layers == set(range(len(layers))), (task, layers)
    assert hidden == set(range(len(layers) - 1)), (task, hidden)
PY
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
# No `noisesweep report` yet, so no protection matrix: its figures say how to get one.
for name in protection_matrix tradeoff; do
  grep "^$name " "$work/small.log" | grep -qF "skipped: no protection matrix ($work/small_protection.csv); run \`noisesweep report $work/small.h5\` first" \
    || fail "$name not skipped with the note to run noisesweep report"
  [[ ! -e "$work/small/$name.png" ]] || fail "$name drawn without a protection matrix"
done
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
import numpy as np
from archive_h5 import Archive
path, svg_path, csv_path, analysis = sys.argv[1:]
sys.path.insert(0, analysis)
from figures.archive import load
from figures.gains import gain_table, t_quantile

# t_{0.975, df} as printed in statistics tables.
for df, t in {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 9: 2.262, 29: 2.045, 30: 2.042}.items():
    assert abs(t_quantile(0.975, df) - t) < 5e-4, (df, t_quantile(0.975, df))
T975 = {1: 12.7062047, 2: 4.3026527, 3: 3.1824463, 4: 2.7764451}  # more digits, for the CIs

h5 = Archive(path)
done = {t.id: t for t in h5.tasks().values() if t.attrs["status"] == "done"}
noise = {tid: {kind: (levels, acc) for kind, levels, acc in h5.noise(t)} for tid, t in done.items()}
parent = {}
for tid, t in done.items():
    m = re.search(r'^train\.init_from = "task:([0-9a-f]+)"', t.attrs["settings"], re.M)
    if m and m.group(1) in done:
        parent[tid] = m.group(1)
level = max(float(v) for tid in parent for levels, _ in noise[tid].values() for v in levels)

def accuracy(tid, kind):  # in %, mean over repetitions
    levels, acc = noise[tid][kind]
    return 100 * acc[[float(v) for v in levels].index(level), :].mean()

pairs = {}  # (stage, swept values but the seed) -> kind -> per-seed gains
for tid in sorted(parent, key=lambda t: int(done[t].attrs["index"])):
    t = done[tid]
    key = (t.attrs["stage"],) + tuple(sorted((k, v) for k, v in t.axes.items() if k != "seed"))
    for kind in noise[tid]:
        pairs.setdefault(key, {}).setdefault(kind, []).append(accuracy(tid, kind) - accuracy(parent[tid], kind))
expected = {}
for key, kinds in pairs.items():
    for kind, gains in kinds.items():
        n = len(gains)
        half = T975[n - 1] * np.std(gains, ddof=1) / math.sqrt(n) if n > 1 else None
        expected[key, kind] = (np.mean(gains), half, n)

archive = load(path)
table = gain_table(archive.groups, archive.tasks, {kind: level for kind in ("AddUnc", "AddCor", "MulUnc", "MulCor")})
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

# The report above also wrote small_protection.csv beside the archive: the matrix and the
# trade-off of the old layout (one list of levels) are drawn from it. --groups picks rows,
# named like the groups of every other figure, a labelled variant and a grid point alike.
"${plots[@]}" "$work/small.h5" --out "$work/small-protection" --only protection_matrix tradeoff \
  > "$work/small-protection.log"
cat "$work/small-protection.log"
check_figures "$work/small-protection" "$work/small-protection.log" protection_matrix tradeoff
grep -q "^protection_matrix .*: 6 rows × 5 columns (clean + 4 nonidealities), [0-9]* of 30 cells exclude 0 at 95%$" \
  "$work/small-protection.log" || fail "protection_matrix: wrong summary for the test study"
grep -q "^tradeoff .*: 4 nonidealities × 16 tasks in 8 groups, a Pareto front per stage (3)$" \
  "$work/small-protection.log" || fail "tradeoff: wrong summary for the test study"
"${plots[@]}" "$work/small.h5" --out "$work/picked-rows" --only protection_matrix --formats svg \
  --groups "rowsum · separation=2, lambda=0.01" "rowsum-layers · output only" > "$work/picked-rows.log"
grep -q "^protection_matrix .*: 2 rows × 5 columns" "$work/picked-rows.log" || fail "--groups: $(cat "$work/picked-rows.log")"
for label in "rowsum · separation=2, lambda=0.01" "rowsum-layers · output only"; do
  grep -qF ">$label<" "$work/picked-rows/protection_matrix.svg" || fail "protection_matrix: no row '$label'"
done
! grep -qF ">rowsum-layers · hidden 2 only<" "$work/picked-rows/protection_matrix.svg" || fail "--groups kept an unpicked row"

# 2. Every nonideality, each at levels of its own (a /noise row per kind, with its levels), in
#    bits, relative std, fractions, seconds and variances: every figure is drawn once
#    `noisesweep report` has written the protection matrix.
"$bin" run "$root/studies/test-hardware.toml" -o "$work/hw.h5" > "$work/run.log"
"$python" -c "import sys; from archive_h5 import Archive
a = Archive(sys.argv[1])
own = [len({tuple(levels) for _, levels, _ in a.noise(t)}) > 1 for t in a.tasks().values()]
sys.exit(0 if own and all(own) else 1)" "$work/hw.h5" || fail "hw.h5: the kinds do not have levels of their own"
"$bin" report "$work/hw.h5" > "$work/hw.md" 2> /dev/null || fail "noisesweep report hw.h5 exited $?"
[[ -s "$work/hw_protection.csv" ]] || fail "noisesweep report wrote no hw_protection.csv"
"${plots[@]}" "$work/hw.h5" --out "$work/hw" > "$work/hw.log"
cat "$work/hw.log"
check_figures "$work/hw" "$work/hw.log" "${figures[@]}" protection_matrix tradeoff
grep -q "^ablation_heatmap .*skipped: the study sweeps fewer than two numeric reg.\* keys" "$work/hw.log" \
  || fail "hw: heat map not skipped with its note"
grep -q "^accuracy_vs_noise .*: 14 noise kinds × 3 groups, 2–17 levels per kind, up to 4 samples per point$" \
  "$work/hw.log" || fail "hw: accuracy_vs_noise summary"
grep -q "^ablation_gains .*: 2 fine-tuned groups × 14 kinds at each kind's harshest level (1 without a parent left out)$" \
  "$work/hw.log" || fail "hw: ablation_gains summary"
grep -q "^protection_matrix .*: 2 rows × 15 columns (clean + 14 nonidealities), [0-9]* of 30 cells exclude 0 at 95%$" \
  "$work/hw.log" || fail "hw: protection_matrix summary"
grep -q "^tradeoff .*: 14 nonidealities × 6 tasks in 3 groups, a Pareto front per stage (2)$" "$work/hw.log" \
  || fail "hw: tradeoff summary"
# Each panel on its kind's own axis; gains at each kind's harshest level (the fewest bits).
for text in "noise variance σ²" "relative std s" "bits B (reversed: harsher →)" "fraction of stuck weights p" \
  "time t (s)"; do
  grep -qF ">$text<" "$work/hw/accuracy_vs_noise.svg" || fail "accuracy_vs_noise: no axis '$text'"
done
for text in "DAC at 2 bits" "ADC at 2 bits" "Drift at t = 2e+07 s" "OutputNoise at σ² = 100" "AddUnc at σ² = 1" \
  "ProgMul at s = 1.5" "StuckOff at p = 0.3"; do
  grep -qF ">$text<" "$work/hw/ablation_gains.svg" || fail "ablation_gains: no panel '$text'"
done
# The reader, the protection matrix and the trade-off, number by number.
"$python" - "$work/hw.h5" "$work/hw_protection.csv" "$work/hw/protection_matrix.svg" "$work/hw.log" \
  "$root/analysis" <<'PY' || fail "hw: numbers differ"
import csv, math, re, sys
import numpy as np
from archive_h5 import Archive
path, csv_path, svg_path, log_path, analysis = sys.argv[1:]
sys.path.insert(0, analysis)
from figures.archive import load
from figures.tradeoff import pareto_front, points

study_levels = {"ProgAdd": [0.05, 0.3], "ReadMul": [0.1, 0.5], "ADC": [2, 4, 8], "DAC": [2, 4, 8],
                "StuckOn": [0.01, 0.1], "Drift": [20, 2e4, 2e7], "AddUnc": [0.01, 0.1, 1]}

# The reader: each kind's own levels (the archive's /noise row of the kind, exactly), and the
# accuracy rows that go with them.
archive = load(path)
h5 = Archive(path)
stored = {t.id: {kind: (levels, acc) for kind, levels, acc in h5.noise(t)} for t in h5.tasks().values()}
for t in h5.tasks().values():
    task = archive.tasks[t.id]
    kinds = list(stored[t.id])
    assert task.kinds == kinds and len(kinds) == 14, task.kinds
    for kind in kinds:
        levels, acc = task.levels_of(kind), task.accuracy_of(kind)
        assert np.array_equal(levels, stored[t.id][kind][0]), (kind, levels, stored[t.id][kind][0])
        assert acc.shape == (len(levels), 2) and np.isfinite(acc).all(), (kind, acc.shape)
        assert np.array_equal(acc, stored[t.id][kind][1]), kind
        if kind in study_levels:
            assert np.allclose(levels, study_levels[kind]), (kind, levels)

# The protection matrix: every cell's mean and ± half-width, in the CSV's order, bold exactly
# where the CSV's 95% interval excludes 0.
rows = list(csv.DictReader(open(csv_path, newline="")))
assert len(rows) == 30, len(rows)
expected = []
for r in rows:
    mean, lo, hi = float(r["gain_mean"]), float(r["gain_ci_low"]), float(r["gain_ci_high"])
    bold = lo > 0 or hi < 0
    half = (hi - lo) / 2  # one decimal, or two below 0.1
    expected += [(f"{round(mean, 1) + 0.0:+.1f}", bold), (f"±{half:.2f}" if round(half, 1) < 0.1 else f"±{half:.1f}", bold)]
svg = open(svg_path, encoding="utf-8").read()
shown = [(t, w != "") for w, t in  # bold: "font: 700 8px ..."
         re.findall(r'<text style="[^"]*font: (700 )?[0-9.]+px[^"]*"[^>]*>([+-][0-9]+\.[0-9]|±[0-9]+\.[0-9]+)</text>', svg)]
assert shown == expected, (shown, expected)
significant = sum(b for _, b in expected[::2])
assert f", {significant} of 30 cells exclude 0 at 95%" in open(log_path).read(), significant
for r in rows[:15]:
    assert ">" + r["nonideality"] + "<" in svg, r["nonideality"]

# The trade-off: each task's clean accuracy, and its accuracy at the stored level nearest to
# the CSV's strength (in log space; for bits on the plain scale), straight from h5py.
strengths = {r["nonideality"]: float(r["strength"]) for r in rows if r["nonideality"] != "clean"}
assert len(strengths) == 14, strengths
for kind, strength in strengths.items():
    got = {p.task.id: (p.clean, p.robust, p.level) for p in points(archive.groups, kind, strength)}
    assert len(got) == 6, (kind, len(got))
    for t in h5.tasks().values():
        levels, acc = stored[t.id][kind]
        distance = np.abs(levels - strength) if kind in ("DAC", "ADC") else np.abs(np.log(levels / strength))
        i = int(np.argmin(distance))
        want = (100 * t.attrs["clean_accuracy"], 100 * acc[i].mean(), levels[i])
        assert np.allclose(got[t.id], want), (kind, got[t.id], want)
        assert levels[i] == strength, (kind, levels[i], strength)  # the report's strengths are stored levels
# The front: the non-dominated points, both axes maximised, left to right.
assert pareto_front([(1, 5), (2, 4), (2, 3), (3, 1), (0, 0), (3, 1), (1, 4)]) == [(1, 5), (2, 4), (3, 1)]
assert pareto_front([(2, 2)]) == [(2, 2)] and pareto_front([]) == []
print(f"hw: reader, {len(rows)} protection cells ({significant} excluding 0) and 14 x 6 trade-off points agree")
PY
# --levels are variances: they narrow the paper's kinds and OutputNoise, never bits or times.
"${plots[@]}" "$work/hw.h5" --out "$work/hw-levels" --only accuracy_vs_noise ablation_gains --levels 0.1 \
  --formats svg > "$work/hw-levels.log"
cat "$work/hw-levels.log"
grep -q "^accuracy_vs_noise .*: 14 noise kinds × 3 groups, 1–7 levels per kind," "$work/hw-levels.log" \
  || fail "hw --levels: accuracy_vs_noise"
for text in "AddUnc at σ² = 0.1" "OutputNoise at σ² = 0.1" "DAC at 2 bits" "Drift at t = 2e+07 s"; do
  grep -qF ">$text<" "$work/hw-levels/ablation_gains.svg" || fail "hw --levels: ablation_gains lacks '$text'"
done

# 3. Two swept regulariser weights: the heat map is drawn (alone, with --only); --stages and
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
import numpy as np
from archive_h5 import Archive
h5 = Archive(sys.argv[1])
tasks = h5.tasks()
def addunc_at_1(t):
    levels, acc = next((levels, acc) for kind, levels, acc in h5.noise(t) if kind == "AddUnc")
    return acc[int(np.argmin(np.abs(levels - 1.0)))].mean() * 100
cells = {}
for t in tasks.values():
    if t.attrs["stage"] != "uncorrelated":
        continue
    parent = tasks[re.search(r'init_from = "task:([0-9a-f]+)"', t.attrs["settings"]).group(1)]
    key = (t.axes["reg.lambda"], t.axes["reg.l2_output"])
    cells.setdefault(key, []).append((addunc_at_1(t) - addunc_at_1(parent),
                                      (t.attrs["clean_accuracy"] - parent.attrs["clean_accuracy"]) * 100))
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

# 4. Archives without network statistics: those figures are skipped, saying why, and the run
#    still succeeds. First one from before tasks/<id>/stats (format_version 1: the group-per-task
#    layout of format 2 without stats/), made from a committed format-2 archive, since the
#    program writes format 3 only; then a current one whose study keeps no statistics.
cp "$root/tests/fixtures/archives/0.4.0-558b5b7/complete.h5" "$work/v1.h5"
"$python" - "$work/v1.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    assert f.attrs["format_version"] == 2, f.attrs["format_version"]
    f.attrs["format_version"] = 1
    for g in f["tasks"].values():
        if "stats" in g:
            del g["stats"]
PY
"${plots[@]}" "$work/v1.h5" --out "$work/v1" --only preactivations row_sums > "$work/v1.log"
cat "$work/v1.log"
[[ $(grep -c "skipped: no network statistics" "$work/v1.log") == 2 ]] || fail "v1: no skip notes"
{ cat "$root/studies/test-small.toml"; printf '[archive]\nstats = false\n'; } > "$work/nostats.toml"
"$bin" run "$work/nostats.toml" -o "$work/nostats.h5" > "$work/run.log"
"$python" -c "import sys; from archive_h5 import Archive
a = Archive(sys.argv[1])
assert a.version == 3 and a.rows()['layers'] == a.rows()['hidden'] == 0 and a.tasks(), a.rows()" \
  "$work/nostats.h5" || fail "nostats.h5 holds network statistics"
"${plots[@]}" "$work/nostats.h5" --out "$work/nostats" --only preactivations row_sums > "$work/nostats.log"
cat "$work/nostats.log"
[[ $(grep -c "skipped: no network statistics" "$work/nostats.log") == 2 ]] || fail "nostats: no skip notes"

# 5. Bad input: exit 1, one message on stderr, no traceback.
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
"$python" - "$work/failed.h5" <<'PY'
import sys
from archive_h5 import Archive
with Archive(sys.argv[1], "r+") as a:  # every committed /tasks row
    assert a.version == 3, a.version
    n = a.rows()["tasks"]
    a.file["tasks/status"][:n] = ["failed"] * n
with Archive(sys.argv[1]) as a:
    assert {t.attrs["status"] for t in a.tasks().values()} == {"failed"}
PY
expect_error "no finished tasks to plot" "$work/failed.h5"
expect_error "--stages: no done tasks in stage(s) nope" "$work/small.h5" --stages nope
expect_error "--levels 0.3: no such noise level" "$work/small.h5" --levels 0.3
expect_error "--protection $work/nope.csv: no such file" "$work/hw.h5" --protection "$work/nope.csv"
expect_error "$work/heat.toml: not a protection matrix of \`noisesweep report\`" "$work/hw.h5" \
  --only tradeoff --protection "$work/heat.toml"
# One strength per nonideality: a file that states two is not the report's.
"$python" -c "import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
rows[[r[2] for r in rows].index('ProgMul', 3 + len(rows) // 2)][3] = '99'
csv.writer(open(sys.argv[2], 'w', newline='')).writerows(rows)" "$work/hw_protection.csv" "$work/bad_protection.csv"
expect_error "bad_protection.csv:23: ProgMul at 99, but at" "$work/hw.h5" --protection "$work/bad_protection.csv"
expect_error "--groups: no group 'rowsum-layers · both'; the groups are 'baseline · separation=2';" \
  "$work/small.h5" --groups "rowsum-layers · both"
echo "analysis_plots: all checks passed"
