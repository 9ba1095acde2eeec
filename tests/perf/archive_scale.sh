#!/usr/bin/env bash
# The archive at scale: studies of N no-op tasks (a 2-2-2 network, no training, no noise
# evaluation) with the per-task network statistics on, run in one process. For each N it prints
# the dispatch rate (tasks per second of sweep), the checkpoints' mean and largest time and how
# many tasks the largest wrote (each appends only the tasks the archive lacks, so they should not
# grow with N), the coordinator's peak RSS, and the archive's size. Then the same with
# `weights = "all"`, whose peak RSS shows whether rank 0 holds anything per task. The checkpoint
# interval is 1 s, so a checkpoint also comes when the records waiting reach 8 MB. Takes a few
# minutes; not part of the test suite.
# Usage: tests/perf/archive_scale.sh [PATH/TO/noisesweep] [N...]   (default N: 10000 50000 100000)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:-$root/build/noisesweep}
shift || true
counts=("$@")
((${#counts[@]})) || counts=(10000 50000 100000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -x /usr/bin/time ]] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

measure() {  # N WEIGHTS
  cat > "$work/study.toml" << TOML
name = "scale"
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 12, features = 2, classes = 2}
model.hidden = [2]
train.epochs = 0
eval.kinds = []
[archive]
weights = "$2"
[grid]
seed = {replicates = $1}
TOML
  rm -f "$work/scale.h5"
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" run "$work/study.toml" -o "$work/scale.h5" \
    --threads 1 --progress-interval 100000 --checkpoint-interval 1 > "$work/run.log"
  local sweep checkpoints rss size
  sweep=$(sed -n 's/.*sweep time \([0-9.]*\) s.*/\1/p' "$work/run.log")
  # "checkpoints: C, mean M ms, max X ms; the largest wrote T task(s)"
  checkpoints=$(sed -n 's/^checkpoints: \([0-9]*\), mean \([0-9.]*\) ms, max \([0-9.]*\) ms; the largest wrote \([0-9]*\) .*/\1 \2 \3 \4/p' \
    "$work/run.log")
  [[ -n $checkpoints ]] || { echo "no checkpoint line in the run's output" >&2; exit 1; }
  rss=$(tail -n 1 "$work/rss")
  size=$(stat -c %s "$work/scale.h5")
  awk -v n="$1" -v w="$2" -v s="$sweep" -v c="$checkpoints" -v r="$rss" -v b="$size" 'BEGIN {
    split(c, k, " ")
    printf "%7d tasks, weights %-6s: dispatch %6.0f tasks/s; %3d checkpoints, mean %5.0f ms, max %5.0f ms (the largest wrote %5d tasks); peak RSS %4.0f MB; archive %6.1f MB (%.1f KiB per task)\n",
           n, w, n / s, k[1], k[2], k[3], k[4], r / 1024, b / 1e6, b / n / 1024 }'
}

echo "noisesweep: $("$bin" --version | head -n 1)"
for n in "${counts[@]}"; do measure "$n" needed; done
for n in "${counts[@]}"; do measure "$n" all; done
