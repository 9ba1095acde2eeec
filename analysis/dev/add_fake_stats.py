#!/usr/bin/python3
"""Copies a format_version 1 archive and adds well-formed but made-up network statistics to
every done task (tasks/<id>/stats, as format_version 2 stores them), so the statistics
figures of plots.py can be exercised on archives written before the statistics existed.
The numbers are fake: fine-tuned stages get row means near zero and wider pre-activations,
only so that the figures have something to distinguish. Never use them for results.

    analysis/dev/add_fake_stats.py IN.h5 OUT.h5
"""
import re
import shutil
import sys

import h5py
import numpy as np

BINS = 60


def hist(g, name, values):
    counts, edges = np.histogram(values, bins=BINS)
    g[name + "_hist_edges"] = edges.astype(np.float64)
    g[name + "_hist_counts"] = counts.astype(np.int64)


def sizes(settings):
    hidden = [int(v) for v in re.search(r"model\.hidden = \[([^\]]*)\]", settings).group(1).split(",")]
    name = re.search(r'data\.name = "(\w+)"', settings).group(1)
    if name == "synthetic":
        features = int(re.search(r"data\.synthetic\.features = (\d+)", settings).group(1))
        classes = int(re.search(r"data\.synthetic\.classes = (\d+)", settings).group(1))
    else:
        features, classes = 784, 10
    return [features] + hidden + [classes]


def add(task, rng):
    settings = task.attrs["settings"]
    settings = settings.decode() if isinstance(settings, bytes) else settings
    dims = sizes(settings)
    tuned = "init_from" in settings
    stats = task.create_group("stats")
    for l in range(len(dims) - 1):
        fan_in, out = dims[l], dims[l + 1]
        w = rng.normal(0.0 if tuned and l > 0 else 0.02, 0.1, size=(out, fan_in))
        if tuned and l > 0:
            w -= w.mean(axis=1, keepdims=True) * 0.999
        g = stats.create_group(f"layers/{l}")
        g["row_mean"], g["row_std"] = w.mean(axis=1), w.std(axis=1)
        hist(g, "weight", w.ravel())
        hist(g, "bias", rng.normal(0, 0.5, size=out))
    for h in range(len(dims) - 2):
        g = stats.create_group(f"hidden/{h}")
        z = rng.normal(0, 6.0 if tuned else 2.0, size=20000)
        hist(g, "preactivation", z)
        hist(g, "input", rng.normal(size=20000) if h == 0 else 1 / (1 + np.exp(-z)))


def main(src, dst):
    shutil.copyfile(src, dst)
    rng = np.random.default_rng(1)
    with h5py.File(dst, "r+") as f:
        for task in f["tasks"].values():
            if task.attrs["status"] in ("done", b"done") and "stats" not in task:
                add(task, rng)
        f.attrs["format_version"] = 2


if __name__ == "__main__":
    main(*sys.argv[1:])
