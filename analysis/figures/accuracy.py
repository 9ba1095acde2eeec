"""Figure 1: accuracy against the strength of each noise kind, one panel per kind, one curve
per group.

Each kind has levels of its own, in its own unit (variances, relative std, bits, fractions,
seconds; see kinds.py), so each panel has its own x axis, laid out so that harsher is always
to the right (bits run backwards). --levels are variances and narrow only the kinds whose
levels are variances; the others show every level.

The band is mean ± 2 std over every seed x repetition of the group at each level: seeds
(different initialisations and splits) and repetitions (different noise draws) are both
sources of spread that a reader of an ablation wants to see together.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullLocator

from . import kinds as units
from . import style
from .archive import kinds_of


def group_levels(tasks, kind, wanted=None):
    """The levels of `kind` that every task of a group was evaluated at, limited to `wanted`
    (the --levels, None: all) when the kind's levels are variances."""
    evaluated = [t for t in tasks if kind in t.kinds]
    if not evaluated:
        return np.asarray([], dtype=float)
    levels = evaluated[0].levels_of(kind)
    for task in evaluated[1:]:
        levels = [v for v in levels if _level_index(task.levels_of(kind), v) is not None]
    if wanted is not None and units.is_variance(kind):
        levels = [v for v in levels if _level_index(np.asarray(wanted), v) is not None]
    return np.asarray(levels, dtype=float)


def pooled_accuracy(tasks, kind, levels):
    """(mean, std, n) in % over all seeds x repetitions at each of `levels`, or None when
    the tasks were not evaluated under `kind` at those levels."""
    if len(levels) == 0:
        return None
    samples = []
    for task in tasks:
        if kind not in task.kinds:
            continue
        idx = [_level_index(task.levels_of(kind), v) for v in levels]
        if any(i is None for i in idx):
            continue
        samples.append(task.accuracy_of(kind)[idx, :] * 100.0)  # levels x reps
    if not samples:
        return None
    pooled = np.concatenate(samples, axis=1)
    std = pooled.std(axis=1, ddof=1) if pooled.shape[1] > 1 else np.zeros(len(levels))
    return pooled.mean(axis=1), std, pooled.shape[1]


def _level_index(stored, value):
    hits = np.flatnonzero(np.isclose(stored, value, rtol=1e-9, atol=0))
    return int(hits[0]) if hits.size else None


def replicates(groups):
    """'3 seeds × 3 repetitions' when every group has the same, else the generic words."""
    shapes = {(len(g.tasks), t.repetitions) for g in groups for t in g.tasks}
    if len(shapes) == 1:
        seeds, reps = shapes.pop()
        return f"{seeds} seed{'s' * (seeds != 1)} × {reps} repetition{'s' * (reps != 1)}"
    return "seeds × repetitions"


def _grid(n):
    """(rows, cols) for n panels: 2 x 2 for the paper's four kinds, else up to 4 a row."""
    cols = 2 if n == 4 else min(n, 3) if n <= 6 else 4
    return -(-n // cols), cols


def _panel(ax, kind, groups, wanted):
    """One kind's curves; returns (levels shown, largest sample count per point)."""
    shown, n_max = set(), 0
    for i, g in enumerate(groups):
        levels = group_levels(g.tasks, kind, wanted)
        result = pooled_accuracy(g.tasks, kind, levels)
        if result is None:
            continue
        mean, std, n = result
        n_max = max(n_max, n)
        shown.update(levels.tolist())
        if len(levels) == 1:
            # A band needs two levels: a single one gets error bars, side by side.
            x = units.side_by_side(kind, levels[0], i, len(groups))
            ax.errorbar([x], mean, yerr=2 * std, color=g.color, marker="o",
                        markersize=3, capsize=3, linestyle="none")
            continue
        ax.plot(levels, mean, color=g.color, linestyle=g.linestyle, linewidth=1.6,
                marker="o", markersize=2.5)
        if len(groups) > style.MAX_BANDS:
            continue
        ax.fill_between(levels, np.clip(mean - 2 * std, 0, 100), np.clip(mean + 2 * std, 0, 100),
                        color=g.color, alpha=style.band_alpha(len(groups)), linewidth=0)
    units.set_axis(ax, kind, sorted(shown) or [1.0])
    if not shown:
        ax.text(0.5, 0.5, "no level to show\n(--levels?)", transform=ax.transAxes, ha="center",
                va="center", color="grey")
    if len(shown) == 1:  # the side-by-side shifts are not levels: label only the one
        level = next(iter(shown))
        ax.set_xticks([level], [f"{level:g}"])
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_title(kind)
    return shown, n_max


def draw(groups, wanted_levels, out_dir, formats, study_name):
    """`wanted_levels`: the variances to show (None: all)."""
    kinds = kinds_of(groups)
    # One unit for every panel (the paper's four kinds): one shared x axis, labelled once.
    shared = len({units.unit_of(k) for k in kinds}) == 1
    rows, cols = _grid(len(kinds))
    fig, axes = style.new_figure(rows, cols, sharex=shared, sharey=True)
    counts, n_max = [], 0
    for ax, kind in zip(axes.flat, kinds):
        shown, n = _panel(ax, kind, groups, wanted_levels)
        counts.append(len(shown))
        n_max = max(n_max, n)
    style.hide_unused(axes, len(kinds))
    for ax in axes[:, 0]:
        ax.set_ylabel(style.ACCURACY_LABEL)
    if shared:
        # Shared axes: ticks and labels on inner panels would repeat the outer ones.
        for ax in axes.flat:
            ax.label_outer()
        for ax in style.bottoms_above_gaps(axes, len(kinds)):
            ax.set_xlabel(units.unit_of(kinds[0]).axis_label)
    spread = (f"mean ± 2 std over {replicates(groups)}" if len(groups) <= style.MAX_BANDS else
              f"mean over {replicates(groups)}; no ± bands above {style.MAX_BANDS} groups")
    fig.suptitle(f"{study_name}: test accuracy under noise ({spread})")
    style.legend_outside(fig, groups)
    paths = style.save(fig, out_dir, "accuracy_vs_noise", formats)
    return paths, _summary(kinds, groups, counts, n_max)


def _summary(kinds, groups, counts, n_max):
    lo, hi = min(counts, default=0), max(counts, default=0)
    levels = f"{lo} level{'s' * (lo != 1)}" if lo == hi else f"{lo}–{hi} levels per kind"
    return (f"{len(kinds)} noise kinds × {len(groups)} groups, {levels}, "
            f"up to {n_max} samples per point")
