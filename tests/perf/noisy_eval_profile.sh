#!/usr/bin/env bash
# Where noisy evaluation spends its time, per paper kind: perf's share of the float products
# (BLIS's and Eigen's kernels and packing), of the noise draws (the normal generator and its
# sine, cosine and logarithm) and of the rest. The network is the paper's 784-300-300-10 sigmoid
# MLP trained for one epoch on MNIST (data/mnist), evaluated on the 10,000 test images at 40
# variances x 3 repetitions, one kind at a time. The shares say how much a faster product (for
# example in bfloat16) could gain at most.
# Usage: tests/perf/noisy_eval_profile.sh [NOISESWEEP]   (needs perf, from linux-perf)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$(realpath "${1:-$root/build/noisesweep}")
command -v perf > /dev/null || { echo "noisy_eval_profile: needs perf (apt-get install linux-perf)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
source tests/perf/paper_network.sh
train_paper_network "$work/w.h5"

print_build_and_cpu
echo "command: tests/perf/noisy_eval_profile.sh; per kind: noisesweep eval W.h5 --set eval.kinds=[KIND] --set eval.levels={from=1e-3,to=1.0,count=40}"
printf '%-8s %10s %12s %8s %10s\n' kind products "noise draws" other seconds
for kind in AddUnc AddCor MulUnc MulCor; do
  start=$(date +%s.%N)
  perf record -q -o "$work/perf.data" "$bin" eval "$work/w.h5" --set "eval.kinds=[\"$kind\"]" \
    --set 'eval.levels={from=1e-3,to=1.0,count=40}' > /dev/null 2>&1
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2> /dev/null |
    awk -v kind="$kind" -v seconds="$seconds" '
      /^ +[0-9.]+%/ {
        share = $1; sub("%", "", share)
        if ($0 ~ /bli_|gebp_kernel|gemm_pack/) products += share
        else if ($0 ~ /fill_normal|psincos|plog|rng::/) draws += share
        else other += share
      }
      END { printf "%-8s %9.1f%% %11.1f%% %7.1f%% %10.1f\n", kind, products, draws, other, seconds }'
done
echo "(shares of perf's samples of each evaluation, which includes loading the test set)"
