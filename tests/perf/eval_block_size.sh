#!/usr/bin/env bash
# How the evaluation block size (eval.chunk) sets the speed of the paper's noisy evaluation.
# The network is the paper's 784-300-300-10 sigmoid MLP trained for one epoch on MNIST
# (data/mnist), evaluated on the 10,000 test images with the default protocol (the four paper
# kinds, 40 variances, 3 repetitions). Block sizes are interleaved, round after round, so that
# a slow spell of this shared machine hits them all; each line is the median over the rounds of
# the wall time of one `noisesweep eval`, loading included, and its ratio to blocks of 2000 (the
# earlier default). The accuracies must not depend on the block size: the script checks that
# every run printed the same JSON.
# Usage: tests/perf/eval_block_size.sh [NOISESWEEP] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$(realpath "${1:-$root/build/noisesweep}")
rounds=${2:-3}
sizes=(2000 1000 500 250)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
source tests/perf/paper_network.sh
train_paper_network "$work/w.h5"

print_build_and_cpu
echo "command: tests/perf/eval_block_size.sh; per size: noisesweep eval W.h5 --set eval.chunk=SIZE --json (the default protocol), $rounds rounds"
for ((r = 0; r < rounds; ++r)); do
  for size in "${sizes[@]}"; do
    start=$(date +%s.%N)
    "$bin" eval "$work/w.h5" --set "eval.chunk=$size" --json > "$work/accuracy-$size.json"
    echo "$size $(echo "$(date +%s.%N) - $start" | bc)" >> "$work/times"
  done
done
for size in "${sizes[@]}"; do
  cmp -s "$work/accuracy-$size.json" "$work/accuracy-${sizes[0]}.json" ||
    { echo "eval_block_size: blocks of $size gave other accuracies than blocks of ${sizes[0]}" >&2; exit 1; }
done
printf '%-8s %10s %14s\n' block seconds "vs 2000"
python3 - "$work/times" "${sizes[@]}" << 'EOF'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    size, seconds = line.split()
    times.setdefault(size, []).append(float(seconds))
base = statistics.median(times[sys.argv[2]])
for size in sys.argv[2:]:
    m = statistics.median(times[size])
    print(f"{size:<8} {m:10.2f} {m / base:13.2f}x")
EOF
echo "(median wall time over the rounds; the accuracies of every block size are identical)"
