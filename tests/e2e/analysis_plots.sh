#!/usr/bin/env bash
# analysis/plots.py on real archives: the test study (three stages, a grid and variants) and a
# small study that sweeps two regulariser weights (for the ablation heat map). Every figure
# must be written as a non-empty PNG and SVG with one summary line each; bad input must give
# exit 1 and a one-line message, never a traceback.
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

figures=(accuracy_vs_noise preactivations hidden_inputs row_sums weight_histograms training_curves)

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
grep -q "^ablation_heatmap .*reg.l2_output × reg.lambda, 4 kinds at σ² = 1$" "$work/heat.log" \
  || fail "heat map: wrong keys or level"
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
