#!/usr/bin/env bash
# How much the instruction set changes results: runs the golden study (tests/fixtures/golden/:
# every numeric path, its large products on BLIS and its thin ones on Eigen) with each given
# noisesweep build (e.g. the presets' build-*/noisesweep) and counts, for every pair, the result
# datasets and attributes that differ in any bit (what tests/e2e/compare_archives.py compares).
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
/usr/bin/python3 - "${archives[@]}" << 'PY'
import itertools, sys
import h5py, numpy as np

ATTRS = ["id", "status", "message", "seed", "clean_accuracy"]

def results(path):
    out = {}
    with h5py.File(path, "r") as f:
        for task, g in f["tasks"].items():
            for a in ATTRS:
                out[f"{task}@{a}"] = np.asarray(g.attrs[a]).tobytes()
            def visit(name, item):
                if isinstance(item, h5py.Dataset) and name != "curve/seconds":
                    value = np.asarray(item[()])
                    # Strings come back as Python objects: compare their text, not pointers.
                    out[f"{task}/{name}"] = (repr(value.tolist()) if value.dtype.kind == "O"
                                             else value.tobytes())
            g.visititems(visit)
    return out

sets = [results(p) for p in sys.argv[1:]]
for (i, a), (j, b) in itertools.combinations(enumerate(sets, 1), 2):
    keys = set(a) | set(b)
    differ = sum(a.get(k) != b.get(k) for k in keys)
    print(f"[{i}] vs [{j}]: {differ} of {len(keys)} result values differ")
PY
