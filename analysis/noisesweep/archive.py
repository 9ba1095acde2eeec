"""Study archives (`noisesweep run STUDY.toml -o ARCHIVE.h5`) as tidy pandas DataFrames.

    from noisesweep import archive
    a = archive.load("runs/small.h5")
    a.tasks        # one row per task: task, stage, status, label, seed, parent, every swept key
    a.noise        # one row per task x kind x level x repetition: accuracy under noise
    a.curves       # one row per task x epoch: loss, cross_entropy, train/validation accuracy
    a.layer_stats  # one row per task x layer x neuron: row_mean, row_std of W's row
    a.histograms   # one row per task x histogram x bin (weights, biases, pre-activations, inputs)

Each table is also read alone: archive.tasks(path), archive.noise(path), ... All tables join
on the column `task` (the task id). The archive's layout is documented in README ("The
archive") and framework/archive/archive.hpp.

Below the DataFrames sit the readers of one task group (read_noise, read_curve, task_parent,
...): analysis/figures/archive.py builds its figure objects from them, so the figures and
these tables read the archive with the same code and fail on a bad file with the same
one-line message (ArchiveError, which always names the file). pandas is imported only by the
functions that build DataFrames.
"""
from __future__ import annotations

import os
import re
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass

import h5py
import numpy as np

FORMAT = "noisesweep-archive"
# 1: before tasks/<id>/stats (read here, without statistics; the program itself no longer
# reads it); 2: the current layout. Any other version has a layout this reader does not know.
FORMAT_VERSIONS = (1, 2)
SEED_KEY = "seed"
LABEL_KEY = "label"  # a variant's name (study file: label = "..."), stored as a swept key
# The swept seed (a replicate number, or the listed seed) beside the task's actual `seed`, as
# the archive's /summary names it.
SWEPT_SEED_COLUMN = "axis:seed"
_INIT_FROM = re.compile(r'^\s*train\.init_from\s*=\s*"task:([0-9a-f]+)"', re.MULTILINE)
CURVE_METRICS = ("loss", "cross_entropy", "train_accuracy", "validation_accuracy", "seconds")


class ArchiveError(Exception):
    """A file that is not a readable noisesweep archive. The message is one line that starts
    with the file's path and says what is wrong, e.g. `runs/x.h5: not a noisesweep study
    archive (...)`, so that callers print it as it is."""


# --- Low-level readers, shared with analysis/figures/archive.py --------------------------------

def text(value):
    """A stored string as str: h5py returns bytes for fixed-length strings and str for
    variable-length ones, and the archive has both."""
    return value.decode() if isinstance(value, bytes) else str(value)


def plain(value):
    """An attribute's value as plain Python (str, int, float, list of str), so that tables and
    dicts built from it print and compare without numpy or bytes."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def toml_value(toml_text):
    """A swept value, stored as TOML text, as a Python value: '0.01' -> 0.01, '"all terms"' ->
    'all terms', '[1, 30]' -> (1, 30). Lists become tuples so that a column of them can be
    grouped by. Text that is not a TOML value is returned as it is."""
    try:
        value = tomllib.loads("v = " + toml_text)["v"]
    except tomllib.TOMLDecodeError:
        return toml_text

    def frozen(v):
        return tuple(frozen(x) for x in v) if isinstance(v, list) else v
    return frozen(value)


def open_hdf5(path, error=ArchiveError, what="an archive file"):
    """The HDF5 file at `path`, read-only; a missing file, a folder or a file of another kind
    raises `error` with one line that names the path. Shared by every reader of the package."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise error(f"{path}: no such file")
    if os.path.isdir(path):
        raise error(f"{path}: a folder, not {what}")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise error(f"{path}: not an HDF5 file ({e})") from None


@contextmanager
def open_archive(path):
    """Opens the archive read-only after checking that it is one, of a version this reader
    knows; raises ArchiveError otherwise. Yields the h5py.File."""
    with open_hdf5(path) as f:
        check_format(os.fspath(path), f)
        yield f


def check_format(path, f):
    """The root attributes that make a file an archive this reader understands."""
    found = text(f.attrs.get("format", ""))
    if found != FORMAT:
        what = (f"format is '{found}'" if found else f"no format = '{FORMAT}' attribute")
        hint = "; a weights file: read it with noisesweep.torch_io" if found == "noisesweep-weights" else ""
        raise ArchiveError(f"{path}: not a noisesweep study archive ({what}){hint}")
    if "format_version" not in f.attrs:
        raise ArchiveError(f"{path}: malformed archive: no format_version attribute")
    try:
        version = int(f.attrs["format_version"])
    except (TypeError, ValueError):
        raise ArchiveError(f"{path}: malformed archive: format_version "
                           f"{plain(f.attrs['format_version'])!r} is not a number") from None
    if version not in FORMAT_VERSIONS:
        raise ArchiveError(f"{path}: unsupported archive format_version {version} (this reader knows "
                           f"versions {', '.join(map(str, FORMAT_VERSIONS))}); a newer noisesweep may "
                           f"have written it: update analysis/noisesweep")
    if "tasks" not in f:
        raise ArchiveError(f"{path}: malformed archive: no /tasks group")
    return version


@contextmanager
def reading_task(path, tid):
    """Turns the errors of reading one task group (a missing object, a wrong shape) into an
    ArchiveError naming the file and the task."""
    try:
        yield
    except (KeyError, ValueError, TypeError, OSError) as e:
        raise ArchiveError(f"{path}: malformed archive: task {tid}: {e}") from None


def task_groups(f, path=None):
    """(id, h5py.Group) of every task, in the study's order (attribute `index`): HDF5 lists
    them by name, which is a hash."""
    path = path or f.filename
    indexed = []
    for tid, g in f["tasks"].items():
        with reading_task(path, tid):
            indexed.append((int(g.attrs["index"]), tid, g))
    return [(tid, g) for _, tid, g in sorted(indexed, key=lambda t: (t[0], t[1]))]


def task_parent(g):
    """Id of the task `g` was fine-tuned from, or None. Read from the attribute `parent`
    ("" for none) when the archive has it; archives from before it name the parent only in
    the settings text, as `train.init_from = "task:ID"`."""
    if "parent" in g.attrs:
        return text(g.attrs["parent"]) or None
    found = _INIT_FROM.search(text(g.attrs.get("settings", "")))
    return found.group(1) if found else None


def read_axes(g):
    """Swept key -> value as TOML text, the seed included."""
    return {k: text(v) for k, v in g["axes"].attrs.items()}


def read_noise(g):
    """kind -> (levels, accuracy) from noise/{kinds,levels,accuracy}: levels 1-D, accuracy
    levels x repetitions (fractions), in the archive's order of kinds. Either stored layout is
    read: levels 1-D when every kind shares them (archives from before nonidealities, and
    studies of the paper's kinds alone), else (kinds, L) with each kind's row padded with NaN
    after its last level, and accuracy padded alike. The padding is dropped here, so that no
    caller ever meets it. A task without noise results (one that failed) gives {}."""
    if "noise" not in g or "kinds" not in g["noise"]:
        return {}
    n = g["noise"]
    kinds = [text(k) for k in n["kinds"][()]]
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"noise/kinds names a kind twice: {', '.join(kinds)}")
    levels = np.asarray(n["levels"][()], dtype=float)
    accuracy = np.asarray(n["accuracy"][()], dtype=float)
    if not kinds and accuracy.size == 0:
        return {}
    if accuracy.ndim != 3 or accuracy.shape[0] != len(kinds):
        raise ValueError(f"noise/accuracy has shape {accuracy.shape}; expected ({len(kinds)} kinds, "
                         f"levels, repetitions)")
    if levels.ndim == 1:
        levels = np.broadcast_to(levels, (len(kinds), levels.size))
    if levels.shape != accuracy.shape[:2]:
        raise ValueError(f"noise/levels has shape {levels.shape}, which does not match noise/accuracy "
                         f"{accuracy.shape}")
    noise = {}
    for k, kind in enumerate(kinds):
        stored = np.isfinite(levels[k])
        noise[kind] = (levels[k][stored].copy(), accuracy[k][stored])
    return noise


def read_curve(g):
    """name -> float64 array per epoch: curve/{epoch, loss, cross_entropy, train_accuracy,
    validation_accuracy, seconds} as stored."""
    if "curve" not in g:
        return {}
    return {k: np.asarray(v[()], dtype=float) for k, v in g["curve"].items()}


def _numbered(g):
    """Children named 0, 1, ... in numeric order (as text "10" sorts before "2")."""
    return [g[str(i)] for i in range(len(g))]


def _histogram(g, name):
    """(edges, counts) as stored: equal-width bins, edges one longer than counts."""
    return (np.asarray(g[name + "_hist_edges"][()], dtype=float),
            np.asarray(g[name + "_hist_counts"][()], dtype=float))


def read_layer_stats(g):
    """Per layer l (output included), a dict: row_mean, row_std (per row of W_l, i.e. per
    neuron) and the (edges, counts) histograms `weight` and `bias`. [] when the task has no
    stats/ (a failed task, or a format_version 1 archive)."""
    if "stats" not in g:
        return []
    return [{"row_mean": np.asarray(l["row_mean"][()], dtype=float),
             "row_std": np.asarray(l["row_std"][()], dtype=float),
             "weight": _histogram(l, "weight"), "bias": _histogram(l, "bias")}
            for l in _numbered(g["stats/layers"])]


def read_hidden_stats(g):
    """Per hidden layer h, a dict of (edges, counts) histograms over the clean test set:
    `preactivation` (z_h) and `input` (x_h). [] when the task has no stats/."""
    if "stats" not in g:
        return []
    return [{"preactivation": _histogram(h, "preactivation"), "input": _histogram(h, "input")}
            for h in _numbered(g["stats/hidden"])]


# --- DataFrames --------------------------------------------------------------------------------

@dataclass
class Archive:
    """Everything `load` reads. The tables join on `task`."""
    path: str
    attrs: dict         # the root attributes, as plain Python values
    swept_keys: list    # the study's swept keys, in order (root attribute axis_keys)
    study_text: str     # the study file as written
    tasks: object       # pandas.DataFrame, see tasks()
    noise: object       # see noise()
    curves: object      # see curves()
    layer_stats: object  # see layer_stats()
    histograms: object  # see histograms()
    summary: object     # the archive's /summary table, strings decoded

    @property
    def swept_columns(self):
        """The task table's columns that hold swept values (the seed's is 'axis:seed')."""
        return swept_columns(self.swept_keys)


def swept_columns(swept_keys):
    """Task-table column of each swept key: the key itself, but `axis:seed` for the swept seed
    (`seed` is the task's actual seed) and `label` in its own column."""
    return [SWEPT_SEED_COLUMN if k == SEED_KEY else k for k in swept_keys]


TASK_COLUMNS = ("task", "index", "stage", "status", "label", "seed", "parent", "clean_accuracy",
                "epochs", "train_seconds", "eval_seconds", "started", "finished", "rank", "host",
                "build", "has_stats", "has_weights", "message", "settings")


def _swept_keys(f):
    return [text(k) for k in f.attrs.get("axis_keys", [])]


def _task_rows(path, f):
    keys = _swept_keys(f)
    columns = list(TASK_COLUMNS) + [c for c in swept_columns(keys) if c not in TASK_COLUMNS]
    rows = {c: [] for c in columns}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            a = g.attrs
            axes = {k: toml_value(v) for k, v in read_axes(g).items()}
            row = {
                "task": text(a["id"]), "index": int(a["index"]), "stage": text(a["stage"]),
                "status": text(a["status"]), "label": axes.get(LABEL_KEY),
                "seed": int(a["seed"]), "parent": task_parent(g),
                "clean_accuracy": float(a["clean_accuracy"]),
                "epochs": len(g["curve/loss"]) if "curve/loss" in g else 0,
                "train_seconds": float(a.get("train_seconds", np.nan)),
                "eval_seconds": float(a.get("eval_seconds", np.nan)),
                "started": float(a.get("started", np.nan)), "finished": float(a.get("finished", np.nan)),
                "rank": int(a.get("rank", -1)), "host": text(a.get("host", "")),
                "build": text(a.get("build", "")), "has_stats": "stats" in g,
                "has_weights": "weights" in g, "message": text(a.get("message", "")),
                "settings": text(a.get("settings", "")),
            }
            if row["task"] != tid:
                raise ValueError(f"attribute 'id' = '{row['task']}' does not match the group's name")
            for key, column in zip(keys, swept_columns(keys)):
                if column not in TASK_COLUMNS:
                    row[column] = axes.get(key)  # None where the task's stage does not sweep it
        for c in columns:
            rows[c].append(row[c])
    return rows


def _frame(rows, columns=None):
    import pandas as pd  # only for the DataFrames: the figures' reader does without
    return pd.DataFrame(rows, columns=columns)


def _tasks(path, f):
    return _frame(_task_rows(path, f))


def _noise(path, f):
    parts = {"task": [], "kind": [], "level": [], "repetition": [], "accuracy": []}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            noise = read_noise(g)
        for kind, (levels, accuracy) in noise.items():
            count, reps = accuracy.shape
            parts["task"].append(np.full(count * reps, tid, dtype=object))
            parts["kind"].append(np.full(count * reps, kind, dtype=object))
            parts["level"].append(np.repeat(levels, reps))
            parts["repetition"].append(np.tile(np.arange(reps), count))
            parts["accuracy"].append(accuracy.ravel())
    return _concatenated(parts, {"task": object, "kind": object, "level": float,
                                 "repetition": np.int64, "accuracy": float})


def _concatenated(parts, dtypes):
    """A DataFrame of the arrays collected per column; empty, with its columns, when none."""
    return _frame({c: np.concatenate(v) if v else np.empty(0, dtype=dtypes[c]) for c, v in parts.items()},
                  columns=list(parts))


def _curves(path, f):
    parts = {c: [] for c in ("task", "epoch") + CURVE_METRICS}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            curve = read_curve(g)
            if not curve:
                continue
            epochs = len(curve.get("loss", []))
            for name, values in curve.items():
                if len(values) != epochs:
                    raise ValueError(f"curve/{name} has {len(values)} epochs, curve/loss {epochs}")
        parts["task"].append(np.full(epochs, tid, dtype=object))
        parts["epoch"].append(curve["epoch"].astype(np.int64) if "epoch" in curve
                              else np.arange(1, epochs + 1))
        for name in CURVE_METRICS:
            parts[name].append(curve.get(name, np.full(epochs, np.nan)))
    dtypes = {c: float for c in CURVE_METRICS}
    dtypes.update(task=object, epoch=np.int64)
    return _concatenated(parts, dtypes)


def _layer_stats(path, f):
    parts = {c: [] for c in ("task", "layer", "neuron", "row_mean", "row_std")}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            layers = read_layer_stats(g)
        for l, s in enumerate(layers):
            n = len(s["row_mean"])
            parts["task"].append(np.full(n, tid, dtype=object))
            parts["layer"].append(np.full(n, l))
            parts["neuron"].append(np.arange(n))
            parts["row_mean"].append(s["row_mean"])
            parts["row_std"].append(s["row_std"])
    return _concatenated(parts, {"task": object, "layer": np.int64, "neuron": np.int64,
                                 "row_mean": float, "row_std": float})


def _histograms(path, f):
    parts = {c: [] for c in ("task", "scope", "layer", "quantity", "bin", "left", "right", "count")}

    def add(tid, scope, layer, quantity, edges, counts):
        n = len(counts)
        if len(edges) != n + 1:
            raise ArchiveError(f"{path}: malformed archive: task {tid}: {scope} {layer} {quantity} "
                               f"histogram has {len(edges)} edges for {n} bins")
        for column, value in (("task", tid), ("scope", scope), ("quantity", quantity)):
            parts[column].append(np.full(n, value, dtype=object))
        parts["layer"].append(np.full(n, layer))
        parts["bin"].append(np.arange(n))
        parts["left"].append(edges[:-1])
        parts["right"].append(edges[1:])
        parts["count"].append(counts.astype(np.int64))

    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            layers, hidden = read_layer_stats(g), read_hidden_stats(g)
        for l, s in enumerate(layers):
            for quantity in ("weight", "bias"):
                add(tid, "layer", l, quantity, *s[quantity])
        for h, s in enumerate(hidden):
            for quantity in ("preactivation", "input"):
                add(tid, "hidden", h, quantity, *s[quantity])
    return _concatenated(parts, {"task": object, "scope": object, "layer": np.int64, "quantity": object,
                                 "bin": np.int64, "left": float, "right": float, "count": np.int64})


def _summary(path, f):
    if "summary" not in f:
        return _frame({})
    frame = _frame(f["summary"][()])
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(text)
    return frame


def _read(path, reader):
    with open_archive(path) as f:
        return reader(os.fspath(path), f)


def tasks(path):
    """One row per task, in the study's order, strings decoded:

    task (id), index, stage, status ("done" | "failed" | "diverged"), label (the variant's
    label, or None), seed (the task's own), parent (id of the task it was fine-tuned from, or
    None), clean_accuracy (a fraction), epochs, train_seconds, eval_seconds, started, finished
    (Unix seconds), rank, host, build, has_stats, has_weights, message, settings (TOML text);
    then one column per swept key (root attribute axis_keys), its value parsed from TOML (lists
    as tuples), None where the task's stage does not sweep it. The swept seed is `axis:seed`."""
    return _read(path, _tasks)


def noise(path):
    """One row per task x kind x level x repetition: task, kind, level (in the kind's unit:
    variance, relative std, bits, fraction, seconds), repetition (0-based), accuracy (a
    fraction). Each kind has only its own levels (the archive's NaN padding is dropped)."""
    return _read(path, _noise)


def curves(path):
    """One row per task x epoch: task, epoch (1-based), loss, cross_entropy, train_accuracy,
    validation_accuracy, seconds. A fine-tuned task's epochs restart at 1."""
    return _read(path, _curves)


def layer_stats(path):
    """One row per task x layer x neuron: task, layer (0-based, output layer included),
    neuron, row_mean and row_std of W's row into that neuron (row sum = row_mean x fan-in).
    Tasks without statistics (failed, or format_version 1) have no rows."""
    return _read(path, _layer_stats)


def histograms(path):
    """One row per task x histogram x bin: task, scope ("layer": weights and biases of every
    layer, output included; "hidden": pre-activations and inputs of each hidden layer over
    the clean test set), layer, quantity ("weight", "bias", "preactivation", "input"), bin,
    left, right (the bin's edges; the last bin is closed), count."""
    return _read(path, _histograms)


def summary(path):
    """The archive's /summary table (one row per task, as `noisesweep` writes it), strings
    decoded."""
    return _read(path, _summary)


def load(path):
    """Every table of the archive at `path`, read in one pass over the file (an Archive).
    Raises ArchiveError (one line, naming the file) for a missing file, a file that is not a
    noisesweep study archive, one of an unknown format_version, or a malformed one."""
    with open_archive(path) as f:
        path = os.fspath(path)
        study_text = text(f["study_text"][()]) if "study_text" in f else ""
        return Archive(path=path, attrs={k: plain(v) for k, v in f.attrs.items()},
                       swept_keys=_swept_keys(f), study_text=study_text, tasks=_tasks(path, f),
                       noise=_noise(path, f), curves=_curves(path, f),
                       layer_stats=_layer_stats(path, f), histograms=_histograms(path, f),
                       summary=_summary(path, f))
