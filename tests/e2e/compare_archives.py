#!/usr/bin/env python3
"""Compares the results in two noisesweep archives, bit for bit, with h5py only.

Usage: compare_archives.py A.h5 B.h5 [--expect-tasks N] [--ignore-settings-text]

Results are everything a task computed: status, message, settings, seed, clean accuracy,
the training curve (except its wall-clock seconds), the noise-evaluation array, and any stored
weights. Who ran it, where and when (rank, host, times) may differ. --ignore-settings-text
leaves out the tasks' settings as text, which lists every setting of the release that wrote
it (a later release with more settings prints more); the task ids still pin the settings. Exits 1 and says what
differs, or prints how many tasks matched."""
import argparse
import sys

import h5py
import numpy as np

RESULT_ATTRS = ["id", "stage", "index", "status", "message", "settings", "seed", "clean_accuracy"]
TIMING = {"curve/seconds"}


def datasets(group, prefix=""):
    """Every dataset below `group`, by path, as numpy arrays (timings left out)."""
    out = {}
    for name, item in group.items():
        path = f"{prefix}{name}"
        if isinstance(item, h5py.Group):
            out.update(datasets(item, path + "/"))
        elif path not in TIMING:
            out[path] = item[()]
    return out


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":  # bitwise, so that NaN == NaN and -0.0 != 0.0
        return a.tobytes() == b.tobytes()
    return bool(np.all(a == b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--expect-tasks", type=int)
    parser.add_argument("--ignore-settings-text", action="store_true")
    args = parser.parse_args()
    attrs = [a for a in RESULT_ATTRS if not (args.ignore_settings_text and a == "settings")]
    problems = []
    with h5py.File(args.a, "r") as fa, h5py.File(args.b, "r") as fb:
        if fa.attrs["study_hash"] != fb.attrs["study_hash"]:
            sys.exit("archives of different studies")
        ta, tb = set(fa["tasks"]), set(fb["tasks"])
        if ta != tb:
            problems.append(f"task sets differ: only in A {sorted(ta - tb)[:5]}, "
                            f"only in B {sorted(tb - ta)[:5]}")
        if args.expect_tasks is not None and len(ta) != args.expect_tasks:
            problems.append(f"{len(ta)} tasks, expected {args.expect_tasks}")
        if len(fa["summary"]) != len(ta) or len(fb["summary"]) != len(tb):
            problems.append("summary rows do not match the task groups")
        for task in sorted(ta & tb):
            ga, gb = fa["tasks"][task], fb["tasks"][task]
            for attr in attrs:
                if not same(ga.attrs[attr], gb.attrs[attr]):
                    problems.append(f"{task}: attribute {attr}: {ga.attrs[attr]!r} != {gb.attrs[attr]!r}")
            da, db = datasets(ga), datasets(gb)
            if set(da) != set(db):
                problems.append(f"{task}: datasets differ: {sorted(set(da) ^ set(db))}")
            for path in sorted(set(da) & set(db)):
                if not same(da[path], db[path]):
                    problems.append(f"{task}: {path} differs")
    if problems:
        print("\n".join(problems[:20]))
        sys.exit(1)
    print(f"compare_archives: {len(ta)} tasks, identical results")


if __name__ == "__main__":
    main()
