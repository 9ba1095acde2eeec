"""Figure 5: the ablation heat map: how much each regulariser setting gains over the
baseline it was fine-tuned from, against the weights of two regulariser terms.

The gain is paired: each fine-tuned task is compared with its own parent (same seed, same
data split, same initial weights), in percentage points of accuracy under one noise kind at
one level (mean over repetitions), then averaged over seeds. Pairing removes the
seed-to-seed spread of the baselines from the comparison.

When the study sweeps fewer than two numeric reg.* keys there is no map to draw; the figure
is then skipped with a printed note (no placeholder file), so a figure directory only ever
holds figures with data. It is skipped too when the two keys are not crossed: one-at-a-time
variants (each term switched off alone) also differ in other keys, and a cell would then
average a different mix of variants than its neighbour. The report's tables show those.
"""
from __future__ import annotations

import numpy as np

from . import kinds as units
from . import style
from .archive import LABEL_KEY, PlotError, SEED_KEY


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def fine_tuned(tasks):
    """Tasks whose parent is also a done task of the archive."""
    return [t for t in tasks.values() if t.parent and t.parent in tasks]


def numeric_reg_keys(tasks):
    """reg.* swept keys whose values are all numbers, with their distinct values."""
    values = {}
    for t in tasks:
        for k, v in t.axes.items():
            if k.startswith("reg."):
                values.setdefault(k, []).append(_number(v))
    return {k: sorted(set(v)) for k, v in values.items() if None not in v}


def choose_keys(tasks, x=None, y=None):
    """(x key, y key): the user's, or the two numeric reg.* keys with the most distinct
    values that some task sweeps together. None when there are no such two keys."""
    keys = numeric_reg_keys(tasks)
    for name, key in (("--heatmap-x", x), ("--heatmap-y", y)):
        if key is not None and key not in keys:
            raise PlotError(f"{name} {key}: not a numeric reg.* key swept by a fine-tuned task; "
                            f"candidates: {', '.join(keys) or 'none'}")
    if x is not None and x == y:
        raise PlotError(f"--heatmap-x and --heatmap-y are both {x}")
    # Automatic picks need a key that actually varies; an explicit one may be constant.
    ranked = sorted((k for k in keys if len(keys[k]) > 1 or k in (x, y)), key=lambda k: -len(keys[k]))
    pairs = [(a, b) for a in ranked for b in ranked if a != b
             and (x is None or a == x) and (y is None or b == y)
             and any(a in t.axes and b in t.axes for t in tasks)]
    return pairs[0] if pairs else None


CLEAN = "clean"  # the map of clean accuracy, drawn beside the noise kinds' maps


def improvement(task, parent, kind, level):
    """Accuracy of task minus its parent's, in pp, under `kind` at `level` (mean over
    repetitions), or None when either was not evaluated there. For kind CLEAN: the clean
    accuracy's change, whatever the level."""
    if kind == CLEAN:
        return (task.clean - parent.clean) * 100.0
    values = []
    for t in (task, parent):
        if kind not in t.kinds:
            return None
        hits = np.flatnonzero(np.isclose(t.levels_of(kind), level, rtol=1e-9, atol=0))
        if not hits.size:
            return None
        values.append(t.accuracy_of(kind)[hits[0]].mean() * 100.0)
    return values[0] - values[1]


def at_levels(levels, variance=None):
    """How a figure names its levels (kind -> level): "σ² = 1" when every kind is at that
    one; else "each kind's harshest level", or, when the user set the variances' level
    (--heatmap-level), that one and the harshest for the other kinds."""
    texts = {units.level_text(k, v) for k, v in levels.items()}
    if len(texts) == 1:
        return texts.pop()
    if variance is not None:
        return f"σ² = {variance:g} (other kinds at their harshest level)"
    return "each kind's harshest level"


def grid(tasks, all_tasks, xkey, ykey, kind, level=None):
    """Mean gain per (y value, x value) cell, with NaN where nothing ran; and the number of
    tasks per cell."""
    xs = sorted({_number(t.axes[xkey]) for t in tasks if xkey in t.axes and ykey in t.axes})
    ys = sorted({_number(t.axes[ykey]) for t in tasks if xkey in t.axes and ykey in t.axes})
    cells = {}
    for t in tasks:
        if xkey in t.axes and ykey in t.axes:
            gain = improvement(t, all_tasks[t.parent], kind, level)
            if gain is not None:
                cells.setdefault((_number(t.axes[ykey]), _number(t.axes[xkey])), []).append(gain)
    values = np.full((len(ys), len(xs)), np.nan)
    counts = np.zeros((len(ys), len(xs)), dtype=int)
    for (yv, xv), gains in cells.items():
        values[ys.index(yv), xs.index(xv)] = np.mean(gains)
        counts[ys.index(yv), xs.index(xv)] = len(gains)
    return xs, ys, values, counts


def _format(v):
    return f"{v:g}"


def other_keys(tasks, xkey, ykey):
    """Swept keys besides the two axes and the seed that vary among the mapped tasks: the
    map averages over them, which the title must say."""
    mapped = [t for t in tasks if xkey in t.axes and ykey in t.axes]
    # A variant's label names settings that are swept keys themselves: not a key of its own.
    keys = {k for t in mapped for k in t.axes} - {xkey, ykey, SEED_KEY, LABEL_KEY}
    stages = {t.stage for t in mapped}
    return sorted(k for k in keys if len({t.axes.get(k) for t in mapped}) > 1), sorted(stages)


def uncrossed_keys(tasks, xkey, ykey):
    """The other swept keys, if the map would average over them unevenly: some combination
    of their values lacks an (x, y) cell that another combination has. [] for a clean grid."""
    mapped = [t for t in tasks if xkey in t.axes and ykey in t.axes]
    others, _ = other_keys(mapped, xkey, ykey)
    cells_by_rest = {}
    for t in mapped:
        rest = tuple(t.axes.get(k) for k in others)
        cells_by_rest.setdefault(rest, set()).add((t.axes[xkey], t.axes[ykey]))
    every_cell = set().union(*cells_by_rest.values()) if cells_by_rest else set()
    return others if any(cells != every_cell for cells in cells_by_rest.values()) else []


def plan(archive, groups, options):
    """What to map: (tasks, x key, y key, {kind: level}, --heatmap-level), or a note saying why there is
    nothing. Run before any figure is drawn, so that a bad --heatmap-* option fails at once.
    --heatmap-level (a variance) sets the level of the kinds whose levels are variances; every
    other kind is mapped at its harshest level, as are all without --heatmap-level."""
    selected = {t.id for g in groups for t in g.tasks}
    tasks = [t for t in fine_tuned(archive.tasks) if t.id in selected]
    keys = choose_keys(tasks, options.heatmap_x, options.heatmap_y)
    if keys is None:
        found = ", ".join(f"{k} ({len(v)} value{'s' * (len(v) != 1)})"
                          for k, v in numeric_reg_keys(tasks).items()) or "none"
        return (f"skipped: the study sweeps fewer than two numeric reg.* keys on the "
                f"selected fine-tuned tasks (found: {found}); nothing to map")
    uneven = uncrossed_keys(tasks, keys[0], keys[1])
    if uneven:
        return (f"skipped: {keys[1]} × {keys[0]} are not swept as a grid (the tasks also "
                f"differ in {', '.join(uneven)}, one variant at a time), so cells would "
                f"average different variants; the report's tables compare them")
    levels = {}
    for kind in options.heatmap_kind or _kinds(tasks):
        if options.heatmap_level is not None and units.is_variance(kind):
            levels[kind] = options.heatmap_level
        else:
            level = units.harshest_level(tasks, kind, options.levels)
            if level is not None:
                levels[kind] = level
    if not levels:
        return "skipped: the selected fine-tuned tasks were evaluated at none of the --levels"
    return tasks, keys[0], keys[1], levels, options.heatmap_level


def draw(archive, plan, out_dir, formats):
    """Returns (paths, summary), or (None, note) when `plan` is a note."""
    if isinstance(plan, str):
        return None, plan
    tasks, xkey, ykey, levels, variance = plan
    maps = [(kind,) + grid(tasks, archive.tasks, xkey, ykey, kind, level) for kind, level in levels.items()]
    # Robustness has a price in clean accuracy: its map comes last, on a scale of its own
    # (a few points, where the noise gains reach tens).
    clean = (CLEAN,) + grid(tasks, archive.tasks, xkey, ykey, CLEAN)
    fig, axes = style.new_figure(1, len(maps) + 1, panel_size=(3.0, 2.8))
    noise_axes, clean_ax = list(axes.flat[:-1]), axes.flat[-1]
    image, limit = None, _limit(maps)
    for ax, (kind, xs, ys, values, counts) in zip(noise_axes, maps):
        image = _panel(ax, f"{kind}, {units.level_text(kind, levels[kind])}", xs, ys, values, limit,
                       xkey, ykey)
    fig.colorbar(image, ax=noise_axes, label="gain over parent baseline (pp)", shrink=0.9)
    kind, xs, ys, values, counts = clean
    clean_image = _panel(clean_ax, "clean accuracy", xs, ys, values, _limit([clean]), xkey, ykey)
    fig.colorbar(clean_image, ax=clean_ax, label="change over parent baseline (pp)", shrink=0.9)
    others, stages = other_keys(tasks, xkey, ykey)
    per_cell = {int(c) for m in maps + [clean] for c in m[4].flat if c}
    seeds = f"{per_cell.pop()} seeds per cell" if len(per_cell) == 1 else "seeds per cell vary"
    averaged = "seeds" + (" and " + ", ".join(others) if others else "")
    fig.suptitle(f"{archive.study_name} ({', '.join(stages)}): accuracy gain over the parent "
                 f"baseline under noise, and the cost in clean accuracy\n(paired per seed, mean "
                 f"over {averaged}; {seeds})")
    paths = style.save(fig, out_dir, "ablation_heatmap", formats)
    return paths, (f"{ykey} × {xkey}, {len(levels)} kind{'s' * (len(levels) != 1)} at "
                   f"{at_levels(levels, variance)} and clean accuracy")


def _limit(maps):
    """The symmetric colour limit that fits every finite cell of the given maps."""
    finite = [np.nanmax(np.abs(m[3])) for m in maps if np.isfinite(m[3]).any()]
    return max(finite, default=1.0) or 1.0


def _panel(ax, title, xs, ys, values, limit, xkey, ykey):
    """One map, each cell labelled with its gain (grey "n/a" where nothing ran)."""
    ax.grid(False)
    ax.set_facecolor("#dddddd")
    image = ax.imshow(values, cmap="RdBu", vmin=-limit, vmax=limit, origin="lower", aspect="auto")
    ax.set_xticks(range(len(xs)), [_format(v) for v in xs], rotation=45 if len(xs) > 5 else 0)
    ax.set_yticks(range(len(ys)), [_format(v) for v in ys])
    ax.set_xlabel(xkey)
    ax.set_ylabel(ykey)
    ax.set_title(title)
    for i in range(len(ys)):
        for j in range(len(xs)):
            v = values[i, j]
            text = "n/a" if np.isnan(v) else f"{v:+.1f}"
            dark = not np.isnan(v) and abs(v) > 0.6 * limit
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if len(xs) <= 6 else 6,
                    color="white" if dark else "black")
    ax.label_outer()
    return image


def _kinds(tasks):
    kinds = []
    for t in tasks:
        kinds += [k for k in t.kinds if k not in kinds]
    return kinds
