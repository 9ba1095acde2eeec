"""What a noise kind's levels mean: their unit, their axis, and which end is harsh.

The archive stores each kind's levels as bare numbers (noise/levels), not their unit: that lives
in noisesweep's registry of nonidealities, which the figures must not need. So the unit of
every kind the registry knows is repeated here; a kind this table does not know (one added to
the registry later) is drawn as a plain "level", larger being harsher, until it is added.

Only this module knows units; the figures ask it how to name a level, how to lay out an axis and
which level is the harshest.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Unit:
    axis_label: str         # the x-axis label of an accuracy-vs-level panel
    template: str           # one level in a title: "σ² = {}", "{} bits"
    log: bool               # levels span decades: log axis, nearest level in log space
    lower_is_harsher: bool  # bits: fewer is harsher; everything else: more is harsher

    def text(self, level):
        return self.template.format(f"{level:g}")


VARIANCE = Unit("noise variance σ²", "σ² = {}", True, False)
RELATIVE_STD = Unit("relative std s", "s = {}", True, False)
BITS = Unit("bits B (reversed: harsher →)", "{} bits", False, True)
FRACTION = Unit("fraction of stuck weights p", "p = {}", True, False)
TIME = Unit("time t (s)", "t = {} s", True, False)
UNKNOWN = Unit("level", "level {}", True, False)

UNITS = {
    "AddUnc": VARIANCE, "AddCor": VARIANCE, "MulUnc": VARIANCE, "MulCor": VARIANCE,
    "OutputNoise": VARIANCE,
    "ProgAdd": RELATIVE_STD, "ProgMul": RELATIVE_STD, "ReadAdd": RELATIVE_STD, "ReadMul": RELATIVE_STD,
    "DAC": BITS, "ADC": BITS,
    "StuckOff": FRACTION, "StuckOn": FRACTION,
    "Drift": TIME,
}


VARIANCE_KINDS = tuple(k for k, unit in UNITS.items() if unit is VARIANCE)  # what --levels narrows


def unit_of(kind):
    return UNITS.get(kind, UNKNOWN)


def is_variance(kind):
    """Whether --levels (variances) applies to this kind."""
    return unit_of(kind) is VARIANCE


def level_text(kind, level):
    """"σ² = 0.1", "4 bits", "t = 20000 s"."""
    return unit_of(kind).text(level)


def harshest(kind, levels):
    """The harshest of `levels` (the fewest bits; else the largest), or None when empty."""
    levels = [float(v) for v in levels]
    if not levels:
        return None
    return min(levels) if unit_of(kind).lower_is_harsher else max(levels)


def harshest_level(tasks, kind, wanted=None):
    """The harshest level of `kind` that any of `tasks` was evaluated at, among `wanted` (the
    --levels, which only limit kinds whose levels are variances; None: all), or None. Gains are
    compared at one level per kind, and the harshest is where protection shows most; the
    ablation figures share this choice so that they speak of the same level."""
    levels = {float(v) for t in tasks if kind in t.kinds for v in t.levels_of(kind)}
    if wanted is not None and is_variance(kind):
        levels = {v for v in levels if np.isclose(wanted, v, rtol=1e-9, atol=0).any()}
    return harshest(kind, levels)


def nearest_index(kind, levels, value):
    """Index of the stored level nearest to `value`: in log space for kinds whose levels span
    decades (as `noisesweep report` picks levels), else on the plain scale (bits)."""
    levels = np.asarray(levels, dtype=float)
    if unit_of(kind).log and value > 0 and (levels > 0).all():
        return int(np.argmin(np.abs(np.log(levels / value))))
    return int(np.argmin(np.abs(levels - value)))


def set_axis(ax, kind, levels):
    """Scale, direction and label of a panel's x axis for `kind`, so that harsher is always
    to the right. A zero level (no stuck weights) has no place on a log axis: then the axis is
    linear below the smallest positive level (symlog)."""
    unit = unit_of(kind)
    levels = np.asarray(levels, dtype=float)
    positive = levels[levels > 0]
    if unit.log and positive.size:
        if positive.size == levels.size:
            ax.set_xscale("log")
        else:
            ax.set_xscale("symlog", linthresh=float(positive.min()))
        if positive.max() < 10 * positive.min():
            _ticks_at(ax, levels)
    if unit.lower_is_harsher:
        ax.xaxis.set_inverted(True)  # idempotent, unlike invert_xaxis, on shared axes
    if unit is BITS:
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(unit.axis_label)


def _ticks_at(ax, levels):
    """Ticks at the levels themselves: within one decade a log axis labels its minor ticks
    in a crowded 2×10⁻¹ style, or nothing at all."""
    from matplotlib.ticker import NullFormatter, NullLocator
    ax.set_xticks(levels, [f"{v:g}" for v in levels])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def side_by_side(kind, level, i, n):
    """Where the i-th of n groups' error bar goes at a single level, so that they do not hide
    each other: a small shift, multiplicative on log axes."""
    offset = i - (n - 1) / 2
    if unit_of(kind).log and level > 0:
        return level * 10 ** (0.04 * offset)
    return level + 0.08 * offset * (1 if not unit_of(kind).lower_is_harsher else -1)
