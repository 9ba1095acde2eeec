#!/usr/bin/env bash
# The shipped paper studies run end to end: each is run as written except for its data, its
# epochs and its replicates (synthetic 784-feature, 10-class data, one epoch, 2 seeds), so that
# the stages, dependencies, variants, labels and evaluation protocol of the real files go through
# `run` under mpirun, `report` and every figure of analysis/plots.py.
bin=${1:?usage: paper_studies.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

shrink() {  # study file -> a copy that runs in seconds
  sed -e 's/^data\.name = .*/data.name = "synthetic"\ndata.synthetic = {samples = 500, features = 784, classes = 10}/' \
    -e '/^data\.dir = /d' -e 's/^train\.epochs = .*/train.epochs = 1/' \
    -e 's/replicates = [0-9]*/replicates = 2/' "$1"
}

for study in paper-mnist paper-fashion paper-mnist-heatmap; do
  shrink "$root/studies/$study.toml" > "$work/$study.toml"
  grep -q '^data.name = "synthetic"' "$work/$study.toml" || fail "$study: data not replaced"
  "${mpi[@]}" -np 3 "$bin" run "$work/$study.toml" -o "$work/$study.h5" > "$work/$study.log" ||
    { cat "$work/$study.log"; fail "$study: run exited $?"; }
  tail -1 "$work/$study.log"
  "$bin" report "$work/$study.h5" --columns all --csv "$work/$study.csv" > "$work/$study.md" ||
    fail "$study: report exited $?"
  "$python" "$root/analysis/plots.py" "$work/$study.h5" --out "$work/$study-figures" > "$work/$study-plots.log" ||
    { cat "$work/$study-plots.log"; fail "$study: plots.py exited $?"; }
  cat "$work/$study-plots.log"
done

# The ablation stage: six labelled variants, each a row of the report and a curve of the plots.
for label in "all terms" "no row sums, hidden 2" "no row sums, output" "no saturation" \
  "no L2, hidden 2" "no L2, output"; do
  grep -q "^| $label | " "$work/paper-mnist.md" || fail "report: no row '$label'"
  grep -qF ">both · $label<" "$work/paper-mnist-figures/accuracy_vs_noise.svg" ||
    fail "figure: no curve 'both · $label'"
done
grep -q "^- tasks: 22 (22 done, 0 failed, 0 pending)$" "$work/paper-mnist.md" || fail "paper-mnist task count"
# One-at-a-time variants give no heat map; the crossed grid does.
grep -q "^ablation_heatmap .*skipped: .* not swept as a grid" "$work/paper-mnist-plots.log" ||
  fail "paper-mnist: heat map not skipped"
grep -q "^ablation_heatmap .*: reg.saturation × reg.l2_output, 4 kinds at σ² = 1 and clean accuracy$" \
  "$work/paper-mnist-heatmap-plots.log" || fail "paper-mnist-heatmap: no heat map of its grid"
echo "paper_studies: all checks passed"
