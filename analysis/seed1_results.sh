#!/usr/bin/env bash
# Rebuilds analysis/results/mnist-seed1/, the source of the README's "Results on MNIST (seed 1)"
# table and of the numbers in that section and in the example output of "Training one model".
#
#   bash analysis/seed1_results.sh [PATH/TO/noisesweep] [WORK_DIR]
#
# It runs tests/perf/paper_checks.sh, which trains the three run files of studies/runs/ (the
# paper's MNIST baseline, then its row-sum and saturation + L2 fine-tunings, seed 1; about a
# quarter of an hour on one core) and checks the paper's claims; their weights and logs go to
# WORK_DIR (default runs/mnist-seed1). Then it writes into analysis/results/mnist-seed1/:
#   RUN.log     each run's full output (settings, epochs, results), RUN = baseline, rowsum,
#               uncorrelated
#   runs.csv    one row per run: clean test accuracy (%), test images, the median |row sum|
#               of each receiving layer as the log prints it (4 significant digits)
#   noise.csv   one row per run, noise kind and level: mean and std over the repetitions (%)
#   build.txt   the program's version and numeric build, and the commit it was built from
# Afterwards `python3 analysis/readme_tables.py --write` puts the new numbers into README.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin=${1:-build/noisesweep}
work=${2:-runs/mnist-seed1}
out=analysis/results/mnist-seed1
runs=(baseline rowsum uncorrelated)

OUT=$work bash tests/perf/paper_checks.sh "$bin"

mkdir -p "$out"
for run in "${runs[@]}"; do cp "$work/mnist-$run.log" "$out/$run.log"; done

{
  echo "run,run_file,clean,test_images,median_rowsum_W2,median_rowsum_W3"
  for run in "${runs[@]}"; do
    awk -v run="$run" -v file="studies/runs/mnist-$run.toml" '
      /^clean test accuracy:/ { clean = $4; sub(/%$/, "", clean); images = substr($5, 2) }
      /^median \|row sum\|/ { for (i = 1; i <= NF; i++) m[$i] = $(i + 1) }
      END { print run "," file "," clean "," images "," m["W2"] "," m["W3"] }
    ' "$out/$run.log"
  done
} > "$out/runs.csv"

# The noise table: a header "SYMBOL KIND..." then "LEVEL  MEAN ± STD  MEAN ± STD ...".
{
  echo "run,kind,level,mean,std"
  for run in "${runs[@]}"; do
    awk -v run="$run" '
      /^accuracy under noise/ { on = 1; next }
      /^train .* s, evaluation/ || /^evaluation .* s$/ { on = 0 }
      !on || NF == 0 { next }
      $1 !~ /^[0-9]/ { nk = NF - 1; for (i = 2; i <= NF; i++) kind[i - 1] = $i; next }
      NF == 1 + 3 * nk {
        for (k = 1; k <= nk; k++) print run "," kind[k] "," $1 "," $(2 + 3 * (k - 1)) "," $(4 + 3 * (k - 1))
      }
    ' "$out/$run.log"
  done
} > "$out/noise.csv"

# The numbers depend on the numeric build and on the source; SOURCE_COMMIT names the commit the
# program was built from when that is not this checkout.
commit=${SOURCE_COMMIT:-$(git rev-parse HEAD)}
[[ -n ${SOURCE_COMMIT:-} ]] || git diff --quiet HEAD -- framework CMakeLists.txt ||
  commit+=" with uncommitted changes to framework/"
{ "$bin" --version; echo "source: commit $commit"; } > "$out/build.txt"
echo "seed1_results.sh: wrote $out/ (runs.csv, noise.csv, build.txt and the logs)"
