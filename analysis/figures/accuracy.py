"""Figure 1: accuracy against noise variance, one panel per noise kind, one curve per group.

The band is mean ± 2 std over every seed x repetition of the group at each level: seeds
(different initialisations and splits) and repetitions (different noise draws) are both
sources of spread that a reader of an ablation wants to see together.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullLocator

from . import style
from .archive import kinds_of


def group_levels(tasks, wanted=None):
    """The noise levels every task of a group was evaluated at, limited to `wanted` (None:
    all of them)."""
    levels = tasks[0].levels
    for task in tasks[1:]:
        levels = [v for v in levels if _level_index(task.levels, v) is not None]
    if wanted is not None:
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
        idx = [_level_index(task.levels, v) for v in levels]
        if any(i is None for i in idx):
            continue
        samples.append(task.accuracy[task.kinds.index(kind)][idx, :] * 100.0)  # levels x reps
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
    shapes = {(len(g.tasks), t.accuracy.shape[2]) for g in groups for t in g.tasks}
    if len(shapes) == 1:
        seeds, reps = shapes.pop()
        return f"{seeds} seed{'s' * (seeds != 1)} × {reps} repetition{'s' * (reps != 1)}"
    return "seeds × repetitions"


def draw(groups, wanted_levels, out_dir, formats, study_name):
    """`wanted_levels`: the variances to show (None: all)."""
    kinds = kinds_of(groups)
    cols = 2 if len(kinds) == 4 else min(len(kinds), 3)
    rows = -(-len(kinds) // cols)
    fig, axes = style.new_figure(rows, cols, sharex=True, sharey=True)
    n_max, all_levels = 0, set()
    for ax, kind in zip(axes.flat, kinds):
        for g in groups:
            levels = group_levels(g.tasks, wanted_levels)
            result = pooled_accuracy(g.tasks, kind, levels)
            if result is None:
                continue
            mean, std, n = result
            n_max = max(n_max, n)
            all_levels.update(levels.tolist())
            if len(levels) == 1:
                # A band needs two levels: a single one gets error bars, side by side.
                shift = 10 ** (0.04 * (groups.index(g) - (len(groups) - 1) / 2))
                ax.errorbar(levels * shift, mean, yerr=2 * std, color=g.color, marker="o",
                            markersize=3, capsize=3, linestyle="none")
                continue
            ax.plot(levels, mean, color=g.color, linestyle=g.linestyle, linewidth=1.6,
                    marker="o", markersize=2.5)
            if len(groups) > style.MAX_BANDS:
                continue
            ax.fill_between(levels, np.clip(mean - 2 * std, 0, 100), np.clip(mean + 2 * std, 0, 100),
                            color=g.color, alpha=style.band_alpha(len(groups)), linewidth=0)
        ax.set_xscale("log")
        ax.set_title(kind)
    if len(all_levels) == 1:  # the side-by-side shifts are not levels: label only the one
        level = all_levels.pop()
        for ax in axes.flat:
            ax.set_xticks([level], [f"{level:g}"])
            ax.xaxis.set_minor_locator(NullLocator())
        all_levels = {level}
    style.hide_unused(axes, len(kinds))
    for ax in axes[-1, :]:
        ax.set_xlabel(style.VARIANCE_LABEL)
    for ax in axes[:, 0]:
        ax.set_ylabel(style.ACCURACY_LABEL)
    # Shared axes: ticks on inner panels would repeat the outer ones.
    for ax in axes.flat:
        ax.label_outer()
    spread = (f"mean ± 2 std over {replicates(groups)}" if len(groups) <= style.MAX_BANDS else
              f"mean over {replicates(groups)}; no ± bands above {style.MAX_BANDS} groups")
    fig.suptitle(f"{study_name}: test accuracy under noise ({spread})")
    style.legend_outside(fig, groups)
    paths = style.save(fig, out_dir, "accuracy_vs_noise", formats)
    summary = (f"{len(kinds)} noise kinds × {len(groups)} groups, {len(all_levels)} level{'s' * (len(all_levels) != 1)}, "
               f"up to {n_max} samples per point")
    return paths, summary
