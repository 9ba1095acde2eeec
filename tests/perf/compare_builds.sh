#!/usr/bin/env bash
# How much the instruction set changes results: runs the golden study (tests/fixtures/golden/:
# every numeric path, its large products on BLIS and its thin ones on Eigen) with each given
# noisesweep build (e.g. the presets' build-*/noisesweep) and counts, for every pair, the result
# values that differ in any bit (what tests/e2e/compare_archives.py compares): per task its
# result attributes, curve columns, each noise kind's levels and accuracies, statistics and
# weights, as tests/e2e/archive_h5.py names them.
# Usage: tests/perf/compare_builds.sh NOISESWEEP...   (README, "Bitwise reproducibility")
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
((${#@} >= 2)) || { echo "usage: compare_builds.sh NOISESWEEP NOISESWEEP..." >&2; exit 1; }
archives=()
for bin in "$@"; do
  out="$work/${#archives[@]}.h5"
  "$bin" run "$root/tests/fixtures/golden/study.toml" -o "$out" --threads 2 > /dev/null
  archives+=("$out")
  echo "[${#archives[@]}] $bin: $("$bin" --version | sed -n 's/^build: //p')"
done
PYTHONPATH="$root/tests/e2e" /usr/bin/python3 - "${archives[@]}" << 'PY'
import itertools, sys
import numpy as np
from archive_h5 import Archive

ATTRS = ["id", "status", "message", "seed", "clean_accuracy"]

def as_bytes(value):
    # Strings come back as Python objects: compare their text, not pointers.
    value = np.asarray(value)
    return repr(value.tolist()) if value.dtype.kind in "OU" else value.tobytes()

def results(path):
    """Each task's result attributes and values (archive_h5.Archive.results: the curve without
    its seconds, the noise evaluation, statistics, weights) by name, as bytes."""
    out = {}
    with Archive(path) as archive:
        for task_id, task in archive.tasks().items():
            for a in ATTRS:
                out[f"{task_id}@{a}"] = as_bytes(task.attrs[a])
            for name, value in archive.results(task).items():
                out[f"{task_id}/{name}"] = as_bytes(value)
    return out

sets = [results(p) for p in sys.argv[1:]]
for (i, a), (j, b) in itertools.combinations(enumerate(sets, 1), 2):
    keys = set(a) | set(b)
    differ = sum(a.get(k) != b.get(k) for k in keys)
    print(f"[{i}] vs [{j}]: {differ} of {len(keys)} result values differ")
PY
