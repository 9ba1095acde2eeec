"""Figure 6: which regulariser term protects against which noise kind: the paired gain of
every fine-tuned group over the baseline it was fine-tuned from, one bar per group in a panel
per noise kind.

The gain is the heat map's (heatmap.improvement): each task minus its own parent (same seed,
split and initial weights) in percentage points under one noise kind at one level, the mean
over repetitions on both sides; the bar is the mean over seed pairs. Its error bar is the 95%
Student-t confidence interval over those pairs, as in `noisesweep report`'s Δ columns, so the
figure and the paper's tables agree: with the few seeds of a study a normal interval (± 1.96
standard errors) would be under a sixth of the honest width at n = 2 and still 30% too narrow
at n = 5. The heat map needs two crossed reg.* keys; this figure shows any ablation, the
one-term-off-at-a-time variants included, which is what a reader of the paper asks about.

Each kind's gain is taken at its harshest level (the fewest bits; else the largest level),
among the --levels for kinds whose levels are variances. Groups without a parent (the
baselines) have no gain and are left out; when nothing is fine-tuned the figure is skipped
with a note.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from matplotlib import rcParams

from . import kinds as units
from . import style
from .archive import kinds_of
from .heatmap import at_levels, improvement


class Gain(NamedTuple):
    """A group's gain under one noise kind: mean over seed pairs (pp), half-width of its 95%
    confidence interval (None for a single pair: no spread to estimate) and the pair count."""
    mean: float
    half: float | None
    n: int


def _t_two_sided(t, df):
    """P(|T| <= t) for Student's t with integer df, in closed form (Abramowitz & Stegun
    26.7.3-4: a finite series in θ = atan(t / sqrt(df))): exact, and numpy/scipy-free."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:  # odd: 2/π (θ + sin θ cos θ (1 + 2/3 cos²θ + 2·4/(3·5) cos⁴θ + ...))
        term, total = 1.0, 1.0
        for j in range(1, (df - 1) // 2):
            term *= c2 * (2 * j) / (2 * j + 1)
            total += term
        series = math.sin(theta) * math.cos(theta) * total if df > 1 else 0.0
        return 2 / math.pi * (theta + series)
    term, total = 1.0, 1.0  # even: sin θ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + ...)
    for j in range(1, df // 2):
        term *= c2 * (2 * j - 1) / (2 * j)
        total += term
    return math.sin(theta) * total


def t_quantile(p, df):
    """The p quantile (p > 0.5) of Student's t with df >= 1 degrees of freedom, by bisection
    of the exact distribution function: t_{0.975, 1} = 12.706, t_{0.975, 4} = 2.776. Seed
    counts are integers, so only integer df are needed."""
    if int(df) != df or df < 1:
        raise ValueError(f"the t distribution needs a whole number of degrees of freedom >= 1, not {df}")
    if not 0.5 < p < 1:
        raise ValueError(f"t_quantile needs 0.5 < p < 1, not {p}")
    target, lo, hi = 2 * p - 1, 0.0, math.pi / 2  # bisect θ: bounded, unlike t
    for _ in range(100):
        mid = (lo + hi) / 2
        if _t_two_sided(math.sqrt(df) * math.tan(mid), int(df)) < target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(df) * math.tan((lo + hi) / 2)


def confidence(gains):
    """Gain of one group and kind from its per-seed gains: mean ± t_{0.975, n-1} sd/sqrt(n)."""
    values = np.asarray(gains, dtype=float)
    n = len(values)
    if n < 2:
        return Gain(float(values.mean()), None, n)
    half = t_quantile(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return Gain(float(values.mean()), float(half), n)


def gain_table(groups, tasks, levels):
    """[(group, {kind: Gain})] for the groups with fine-tuned tasks (parent among `tasks`, the
    archive's done tasks), in study order, each kind at its level in `levels` (kind -> level).
    A kind is missing from a group's dict when it has no level in `levels`, or none of the
    group's tasks and their parents were both evaluated under it at that level."""
    table = []
    for group in groups:
        children = [t for t in group.tasks if t.parent and t.parent in tasks]
        if not children:
            continue
        gains = {}
        for kind in (k for k in kinds_of([group]) if k in levels):
            values = [improvement(t, tasks[t.parent], kind, levels[kind]) for t in children]
            values = [v for v in values if v is not None]
            if values:
                gains[kind] = confidence(values)
        table.append((group, gains))
    return table


def value_text(gain):
    """A bar's annotation, in pp with one decimal: "+55.3", "-1.2"; "+0.0" for a gain that
    rounds to zero, whose sign ("-0.0") would only suggest a loss that is not there."""
    return f"{round(gain, 1) + 0.0:+.1f}"


def _seeds(table):
    """How many seed pairs each bar averages, for the title."""
    counts = sorted({g.n for _, gains in table for g in gains.values()})
    if counts == [1]:
        return "1 seed, so no confidence interval"
    if len(counts) == 1:
        return f"mean ± 95% CI over {counts[0]} seeds"
    return f"mean ± 95% CI over {counts[0]}–{counts[-1]} seeds"


def _limits(table, kinds):
    """x range shared by every panel (bar lengths compare across noise kinds), with room
    for the value written past the end of each error bar."""
    ends = [0.0]
    for _, gains in table:
        for kind in kinds:
            if kind in gains:
                g = gains[kind]
                ends += [g.mean - (g.half or 0.0), g.mean + (g.half or 0.0)]
    lo, hi = min(ends), max(ends)
    span = (hi - lo) or 1.0
    return lo - (0.25 if lo < 0 else 0.05) * span, hi + (0.25 if hi > 0 else 0.05) * span


def harshest_levels(children, groups, wanted_levels):
    """kind -> the level its gain is shown at: the harshest the fine-tuned tasks were evaluated
    at (--levels narrow the kinds whose levels are variances)."""
    levels = {}
    for kind in kinds_of(groups):
        level = units.harshest_level(children, kind, wanted_levels)
        if level is not None:
            levels[kind] = level
    return levels


def _grid(n):
    """(rows, cols) for n panels: one row up to five kinds (the paper's four side by side),
    then rows of five, so that fourteen nonidealities do not make a figure a metre wide."""
    cols = min(n, 5)
    return -(-n // cols), cols


def draw(archive, groups, wanted_levels, out_dir, formats):
    """Returns (paths, summary), or (None, note) when no selected group is fine-tuned.
    `wanted_levels`: the --levels (None: all); each kind's gain is taken at its harshest
    level, for variances the highest of the --levels."""
    children = [t for g in groups for t in g.tasks if t.parent and t.parent in archive.tasks]
    if not children:
        return None, ("skipped: no fine-tuned tasks among the selected groups (a task is "
                      "fine-tuned when its train.init_from parent is a done task of the archive); "
                      "no gain over a parent to show")
    levels = harshest_levels(children, groups, wanted_levels)
    if not levels:
        return None, "skipped: the selected fine-tuned tasks were evaluated at none of the --levels"
    table = gain_table(groups, archive.tasks, levels)
    kinds = kinds_of([g for g, _ in table])
    kinds = [k for k in kinds if k in levels]
    at = at_levels({k: levels[k] for k in kinds})
    one_level = len({units.level_text(k, levels[k]) for k in kinds}) == 1
    rows = len(table)
    panel_rows, cols = _grid(len(kinds))
    # A height per group, and the labels' width added to the panels': in a fixed width,
    # constrained layout would make room for ten 40-character labels by squeezing the panels.
    label_width = 0.3 + 0.065 * max(len(group.label) for group, _ in table)
    fig, axes = style.new_figure(panel_rows, cols, sharex=True, sharey=True,
                                 panel_size=(2.6 + label_width / cols, 0.9 + 0.3 * rows))
    xlim = _limits(table, kinds)
    for ax, kind in zip(axes.flat, kinds):
        # The level goes in the title when kinds are at different levels (and units).
        title = kind if one_level else f"{kind} at {units.level_text(kind, levels[kind])}"
        _panel(ax, kind, title, table, xlim)
    style.hide_unused(axes, len(kinds))
    style.bottoms_above_gaps(axes, len(kinds))
    # One axis label for the shared x axis: repeated under each panel they would touch.
    fig.supxlabel(f"gain over parent at {at} (pp)", fontsize=rcParams["axes.labelsize"])
    fig.suptitle(f"{archive.study_name}: gain over the baseline each task was fine-tuned from, "
                 f"at {at} ({_seeds(table)})")
    paths = style.save(fig, out_dir, "ablation_gains", formats)
    left_out = len(groups) - rows
    summary = (f"{rows} fine-tuned group{'s' * (rows != 1)} × {len(kinds)} kind{'s' * (len(kinds) != 1)} "
               f"at {at}" + (f" ({left_out} without a parent left out)" if left_out else ""))
    return paths, summary


def _panel(ax, kind, title, table, xlim):
    """One kind: a bar per group, top to bottom in study order, each labelled with its gain
    (grey "n/a" where the group was not evaluated under this kind at this level)."""
    ax.grid(False, axis="y")
    ax.axvline(0, color="black", linewidth=0.8)
    offset = 0.015 * (xlim[1] - xlim[0])
    for i, (group, gains) in enumerate(table):
        if kind not in gains:
            ax.text(offset, i, "n/a", ha="left", va="center", fontsize=7, color="grey")
            continue
        g = gains[kind]
        ax.barh(i, g.mean, height=0.7, color=group.color, xerr=g.half,
                error_kw={"ecolor": "black", "elinewidth": 0.8, "capsize": 2})
        end = g.mean + (g.half or 0.0) if g.mean >= 0 else g.mean - (g.half or 0.0)
        ax.text(end + (offset if g.mean >= 0 else -offset), i, value_text(g.mean),
                ha="left" if g.mean >= 0 else "right", va="center", fontsize=7)
    ax.set_yticks(range(len(table)), [group.label for group, _ in table])
    ax.set_ylim(len(table) - 0.5, -0.5)  # the first group on top, as in the legends
    ax.set_xlim(*xlim)
    ax.set_title(title)
