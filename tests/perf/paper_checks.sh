#!/usr/bin/env bash
# The engine's checks on real MNIST (a few minutes on one core; needs the fetched data):
#   1. the paper's baseline (sigmoid, Adagrad lr 0.01, batch 128, 70 epochs) reaches >= 97.9%;
#   2. fine-tuning with the row-sum term cuts the median |row sum| of every receiving layer at
#      least 100x and keeps far more accuracy under AddCor at variance 1;
#   3. fine-tuning with the saturation + L2 terms keeps more accuracy under AddUnc at variance 1.
# Usage: [OUT=DIR] tests/perf/paper_checks.sh [PATH/TO/noisesweep]   (run from the repository
# root; the weights and logs go to DIR, default runs)
set -euo pipefail
bin=${1:-build/noisesweep}
out=${OUT:-runs}
mkdir -p "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }

run() {  # name, run file, extra args...
  local name=$1 file=$2
  shift 2
  echo "== $name: $bin train $file $*"
  "$bin" train "$file" --save-weights "$out/mnist-$name.h5" "$@" > "$out/mnist-$name.log"
  grep -E "^clean|^median" "$out/mnist-$name.log"
}
clean() { sed -n 's/^clean test accuracy: \([0-9.]*\)%.*/\1/p' "$out/mnist-$1.log"; }
median() { sed -n "s/^median .*  $2 \([0-9.e+-]*\).*/\1/p" "$out/mnist-$1.log"; }
at_variance_1() {  # name, column (1 AddUnc, 2 AddCor, 3 MulUnc, 4 MulCor)
  awk -v c="$2" '$1 == "1" { print $(2 + 3 * (c - 1)) }' "$out/mnist-$1.log"
}
check() { awk "BEGIN { exit !($1) }" || fail "$2"; }

# The fine-tunings start from this baseline: a copy of their run file names it in
# train.init_from (a --set would come too late, as `train` checks the file's own init_from).
from_baseline() {  # run file -> its copy in $out
  local copy
  copy=$out/$(basename "$1")
  sed "s|^init_from = .*|init_from = \"$out/mnist-baseline.h5\"|" "$1" > "$copy"
  grep -q "^init_from = \"$out/mnist-baseline.h5\"" "$copy" || fail "$1 sets no init_from"
  echo "$copy"
}

run baseline studies/runs/mnist-baseline.toml
run rowsum "$(from_baseline studies/runs/mnist-rowsum.toml)"
run uncorrelated "$(from_baseline studies/runs/mnist-uncorrelated.toml)"

b=$(clean baseline)
echo
echo "baseline clean accuracy: $b% (goal >= 97.9%; paper 97.2%)"
check "$b >= 97.9" "baseline accuracy $b% is below 97.9%"
for w in W2 W3; do
  before=$(median baseline $w) after=$(median rowsum $w)
  ratio=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.0f", a / b }')
  echo "median |row sum| of $w: $before -> $after ($ratio x smaller; goal >= 100x)"
  check "$ratio >= 100" "row sums of $w fell only ${ratio}x"
done
cb=$(at_variance_1 baseline 2) cr=$(at_variance_1 rowsum 2)
ub=$(at_variance_1 baseline 1) uu=$(at_variance_1 uncorrelated 1)
echo "AddCor, variance 1: baseline $cb%, row-sum $cr% (+$(awk -v a="$cr" -v b="$cb" 'BEGIN { printf "%.1f", a - b }') points)"
echo "AddUnc, variance 1: baseline $ub%, saturation+L2 $uu% (+$(awk -v a="$uu" -v b="$ub" 'BEGIN { printf "%.1f", a - b }') points)"
echo "clean: row-sum $(clean rowsum)%, saturation+L2 $(clean uncorrelated)%"
check "$cr - $cb >= 20" "row-sum fine-tuning does not protect against AddCor"
check "$uu - $ub >= 10" "saturation+L2 fine-tuning does not protect against AddUnc"
echo "paper_checks: all checks passed"
