"""Reads a noisesweep study archive into plain Python objects, and groups its tasks.

Everything the figures need is read once, up front, so that a malformed archive fails with one
message before any figure is half drawn, and the figure modules never touch HDF5. The reading
itself is noisesweep.archive's (analysis/noisesweep), the package that also turns archives into
pandas DataFrames: one reader, so that the figures and the tables agree on every archive. Its
TaskView gives each task the same way whether the archive keeps a group per task (format 2) or
column tables (format 3), so the figures have one path for both. It uses h5py and numpy alone:
the archive is meant to be read without noisesweep's C++ code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from noisesweep import archive as reader

SEED_KEY = reader.SEED_KEY
LABEL_KEY = reader.LABEL_KEY  # a study's name for a variant (study file: label = "..." in a variant)


class PlotError(Exception):
    """A problem the user can fix (bad path, wrong file, bad option): printed without a
    traceback."""


@dataclass
class Histogram:
    """Equal-width bins as stored: edges (bins + 1) and counts (bins)."""
    edges: np.ndarray
    counts: np.ndarray


@dataclass
class LayerStats:
    """Statistics of weight matrix W_l (out x in): row i holds the weights into neuron i."""
    row_mean: np.ndarray
    row_std: np.ndarray
    weights: Histogram
    biases: Histogram


@dataclass
class HiddenStats:
    """Hidden layer h over the clean test set."""
    preactivation: Histogram
    input: Histogram


@dataclass
class Evaluation:
    """A task evaluated under one noise kind: the kind's levels (in its own unit: variance,
    relative std, bits, fraction, seconds; see kinds.py) and the accuracy at each."""
    levels: np.ndarray    # (levels,)
    accuracy: np.ndarray  # (levels, repetitions), fractions


@dataclass
class Task:
    """One finished task: its identity, where it sits in the study, and its results."""
    id: str
    stage: str
    index: int
    axes: dict            # swept key -> value as TOML text, the seed included
    parent: str | None    # id of the task it was fine-tuned from, if any
    curve: dict           # name -> float64 array per epoch
    noise: dict           # kind -> Evaluation, in the archive's order of kinds
    clean: float = float("nan")  # clean test accuracy, a fraction
    layers: list = field(default_factory=list)  # LayerStats per layer (none before format 2)
    hidden: list = field(default_factory=list)  # HiddenStats per hidden layer (none before format 2)

    @property
    def kinds(self):
        """Noise kinds, e.g. ["AddUnc", ..., "DAC"], in the archive's order."""
        return list(self.noise)

    def levels_of(self, kind):
        """The levels `kind` was evaluated at (1-D, in the kind's unit)."""
        return self.noise[kind].levels

    def accuracy_of(self, kind):
        """Accuracy under `kind`: levels x repetitions, fractions."""
        return self.noise[kind].accuracy

    @property
    def repetitions(self):
        return max((e.accuracy.shape[1] for e in self.noise.values()), default=0)

    @property
    def group_key(self):
        """Stage + every swept value but the seed: the row of an ablation table, whose
        seeds are the replicates pooled into one curve."""
        return (self.stage,) + tuple(sorted((k, v) for k, v in self.axes.items() if k != SEED_KEY))


@dataclass
class Group:
    """Tasks that differ only in their seed replicate. Its look is fixed by its position
    among all the archive's groups (see style.group_style)."""
    key: tuple
    label: str
    tasks: list
    position: int      # among all groups of the archive, in study order
    group_count: int   # all groups of the archive
    stage_position: int

    @property
    def stage(self):
        return self.key[0]

    @property
    def color(self):
        return self._look()[0]

    @property
    def linestyle(self):
        return self._look()[1]

    def _look(self):
        from . import style  # only when drawing: errors are reported without loading matplotlib
        return style.group_style(self.position, self.group_count, self.stage_position)


@dataclass
class Archive:
    path: str
    study_name: str
    format_version: int
    axis_keys: list
    tasks: dict           # id -> Task, done tasks only
    skipped: int          # tasks present but not done
    groups: list          # Group, in the order of their first task's index

    @property
    def has_stats(self):
        return any(t.layers for t in self.tasks.values())


def _histogram(pair):
    return Histogram(*pair)


def _read_task(view):
    """The figures' Task of a done task, from a reader.TaskView of either archive format."""
    return Task(
        id=view.id,
        stage=view.stage,
        index=view.index,
        axes=view.axes,
        parent=view.parent,
        curve=view.curve(),
        noise={kind: Evaluation(levels, accuracy) for kind, (levels, accuracy) in view.noise().items()},
        clean=view.clean_accuracy,
        layers=[LayerStats(s["row_mean"], s["row_std"], _histogram(s["weight"]), _histogram(s["bias"]))
                for s in view.layer_stats()],
        hidden=[HiddenStats(_histogram(s["preactivation"]), _histogram(s["input"]))
                for s in view.hidden_stats()],
    )


def _read_archive(path, f):
    """The Archive of an open archive file, without its groups."""
    tasks, skipped = {}, 0
    for view in reader.task_views(f, path):
        with reader.reading_task(path, view.key):
            if view.status != "done":
                skipped += 1
                continue
            task = _read_task(view)
        tasks[task.id] = task
    attrs, _ = reader.provenance(f, path)
    return Archive(path=path, study_name=reader.text(attrs.get("study_name", "?")),
                   format_version=reader.format_version(f), axis_keys=reader.swept_keys(f),
                   tasks=tasks, skipped=skipped, groups=[])


def load(path):
    """Reads every done task of the archive at `path` (any format noisesweep.archive reads).
    Raises PlotError for a missing file, a file that is not a noisesweep archive (or one of an
    unknown format_version), a malformed one, or one without done tasks."""
    try:
        with reader.open_archive(path) as f:
            archive = _read_archive(path, f)
    except reader.ArchiveError as e:
        raise PlotError(str(e)) from None
    if not archive.tasks:
        raise PlotError(f"{path}: no finished tasks to plot ({archive.skipped} failed or diverged)")
    archive.groups = make_groups(list(archive.tasks.values()), archive.axis_keys)
    return archive


def short_keys(keys):
    """Maps each swept key to the shortest dotted suffix that is still unique, so legend
    labels stay short: data.synthetic.separation -> separation, reg.lambda -> lambda."""
    names = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            suffix = ".".join(parts[-n:])
            if sum(1 for k in keys if k == suffix or k.endswith("." + suffix)) == 1:
                names[key] = suffix
                break
        else:
            names[key] = key
    return names


def _unquoted(toml_text):
    """A TOML string's text ("all terms" -> all terms); anything else as written."""
    if len(toml_text) >= 2 and toml_text[0] == toml_text[-1] == '"':
        return toml_text[1:-1]
    return toml_text


def _group_label(key, keys_to_show, names):
    """"stage · label, key=value, ...": the variant's label, when it has one, then the given
    keys' values."""
    values = dict(key[1:])
    parts = [_unquoted(values[LABEL_KEY])] if LABEL_KEY in values else []
    parts += [f"{names.get(k, k)}={values[k]}" for k in keys_to_show]
    return key[0] + (" · " + ", ".join(parts) if parts else "")


def make_groups(tasks, axis_keys):
    """One group per (stage, swept values but the seed), in study order. Each group's
    position among all of them fixes its colour, so a group has the same colour in every
    figure and whatever --stages selects.

    A group's label names its stage and its swept values. A labelled variant stands for the
    settings it sets, so its label replaces them: only the keys that still differ between
    groups with the same label (a grid swept across the variants) are added."""
    by_key = {}
    for task in sorted(tasks, key=lambda t: t.index):
        by_key.setdefault(task.group_key, []).append(task)
    names = short_keys([k for k in axis_keys if k not in (SEED_KEY, LABEL_KEY)] or
                       sorted({k for key in by_key for k, _ in key[1:] if k != LABEL_KEY}))
    rank = {k: i for i, k in enumerate(axis_keys)}
    stages = list(dict.fromkeys(key[0] for key in by_key))
    groups = []
    for i, (key, members) in enumerate(by_key.items()):
        values = dict(key[1:])
        keys = sorted((k for k in values if k != LABEL_KEY), key=lambda k: rank.get(k, len(rank)))
        if LABEL_KEY in values:
            same_label = [dict(other[1:]) for other in by_key
                          if other[0] == key[0] and dict(other[1:]).get(LABEL_KEY) == values[LABEL_KEY]]
            keys = [k for k in keys if len({v.get(k) for v in same_label}) > 1]
        groups.append(Group(key=key, label=_group_label(key, keys, names), tasks=members,
                            position=i, group_count=len(by_key),
                            stage_position=stages.index(key[0])))
    return groups


def kinds_of(groups):
    """Noise kinds in the order the archive stores them, over all groups."""
    kinds = []
    for g in groups:
        for t in g.tasks:
            kinds += [k for k in t.kinds if k not in kinds]
    return kinds


def select_groups(archive, stages, labels=None):
    """The groups of the chosen stages (all when `stages` is empty) whose label is one of
    `labels` or starts with one of them followed by " · " (so "noise-aware" picks every
    noise-aware variant; all when `labels` is empty), in study order."""
    groups = list(archive.groups)
    if stages:
        known = list(dict.fromkeys(g.stage for g in groups))
        unknown = [s for s in stages if s not in known]
        if unknown:
            raise PlotError(f"--stages: no done tasks in stage(s) {', '.join(unknown)}; "
                            f"the archive has {', '.join(known)}")
        groups = [g for g in groups if g.stage in stages]
    if labels:
        def picks(label, group):
            return group.label == label or group.label.startswith(label + " · ")
        unknown = [l for l in labels if not any(picks(l, g) for g in groups)]
        if unknown:
            raise PlotError(f"--groups: no group {', '.join(repr(l) for l in unknown)}; the groups are "
                            + "; ".join(repr(g.label) for g in groups))
        groups = [g for g in groups if any(picks(l, g) for l in labels)]
    return groups
