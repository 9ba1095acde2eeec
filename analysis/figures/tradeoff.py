"""Figure 8: robustness against clean accuracy, which is how a user picks a regulariser weight
or a training method: protection is bought with clean accuracy, and the useful settings are
those that no other setting beats on both.

One panel per nonideality of the protection matrix (`noisesweep report`'s
ARCHIVE_protection.csv), at the strength the matrix states for it, so that this figure and the
matrix speak of the same level. Every done task of the selected groups is a point: x its clean
accuracy, y its accuracy under the nonideality at the stored level nearest to that strength
(mean over repetitions), both in %, coloured by group. Per stage (method), the non-dominated
tasks (no other task of the stage has both a higher clean and a higher robust accuracy) are
joined by a step line: the Pareto front, whose corners are the settings worth choosing.

The points are single tasks, not group means: a group's seeds show how far a setting's place
on the front can be trusted. Without the CSV the figure is skipped with the matrix's note:
the strengths are chosen by the report, not here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from matplotlib import rcParams

from . import kinds as units
from .protection import CLEAN


@dataclass
class Point:
    group: object  # archive.Group
    task: object   # archive.Task
    clean: float   # %
    robust: float  # %, under the nonideality at `level`
    level: float   # the stored level used, nearest to the matrix's strength


def points(groups, kind, strength):
    """A Point per task of `groups` evaluated under `kind`, at its stored level nearest to
    `strength` (in log space for kinds whose levels span decades)."""
    found = []
    for group in groups:
        for task in group.tasks:
            if kind not in task.kinds or len(task.levels_of(kind)) == 0:
                continue
            i = units.nearest_index(kind, task.levels_of(kind), strength)
            robust = float(np.mean(task.accuracy_of(kind)[i])) * 100.0
            found.append(Point(group, task, task.clean * 100.0, robust, float(task.levels_of(kind)[i])))
    return found


def pareto_front(xy):
    """The non-dominated (x, y) pairs, both to be maximised, sorted by x ascending (so y
    descending). A pair is dominated when another is at least as good in both and better in
    one; of equal pairs one is kept."""
    front, best_y = [], -np.inf
    for x, y in sorted(set(xy), key=lambda p: (-p[0], -p[1])):  # best x first
        if y > best_y:
            front.append((x, y))
            best_y = y
    return front[::-1]


def _grid(n):
    cols = min(n, 4)
    return -(-n // cols), cols


def draw(protection, archive, groups, out_dir, formats):
    """Returns (paths, summary), or (None, note) when `protection` is a note or names no
    nonideality the selected tasks were evaluated under."""
    if isinstance(protection, str):
        return None, protection
    panels = [(kind, strength, points(groups, kind, strength))
              for kind, strength in protection.columns if kind != CLEAN]
    panels = [p for p in panels if p[2]]
    if not panels:
        return None, (f"skipped: the selected tasks were evaluated under none of the "
                      f"nonidealities of {protection.path}")
    from . import style  # matplotlib only when drawing
    rows, cols = _grid(len(panels))
    fig, axes = style.new_figure(rows, cols, sharex=True, panel_size=(3.0, 2.6))
    # A front takes its stage's line style, which the stage's curves have in every figure.
    stages = {g.stage: g.linestyle for g in reversed(groups)}
    stages = {stage: stages[stage] for stage in dict.fromkeys(g.stage for g in groups)}
    for ax, (kind, strength, pts) in zip(axes.flat, panels):
        _panel(ax, kind, strength, pts, stages)
    style.hide_unused(axes, len(panels))
    style.bottoms_above_gaps(axes, len(panels))
    fig.supxlabel("clean accuracy (%)", fontsize=rcParams["axes.labelsize"])
    fig.supylabel("accuracy under the nonideality (%)", fontsize=rcParams["axes.labelsize"])
    fig.suptitle(f"{archive.study_name}: robustness against clean accuracy, a point per task\n"
                 f"lines: each stage's Pareto front (higher is better on both axes)\n"
                 f"each nonideality at its strength in {os.path.basename(protection.path)}")
    fronts = [(_front_handle(style), f"Pareto front: {stage}") for stage, style in stages.items()]
    style.legend_outside(fig, groups, marker="o", extra=fronts)
    paths = style.save(fig, out_dir, "tradeoff", formats)
    tasks = {p.task.id for _, _, pts in panels for p in pts}
    return paths, (f"{len(panels)} nonidealit{'ies' if len(panels) != 1 else 'y'} × {len(tasks)} tasks "
                   f"in {len(groups)} groups, a Pareto front per stage ({len(stages)})" + protection.note())


def _front_handle(linestyle):
    import matplotlib.pyplot as plt
    return plt.Line2D([], [], color="black", linestyle=linestyle, linewidth=1.2, marker="o",
                      markersize=6, markerfacecolor="none")


def _panel(ax, kind, strength, pts, stages):
    """One nonideality: the tasks' points, then each stage's front over them (stage -> line
    style), its tasks ringed: a front of one task has no line to show."""
    by_group = {}
    for p in pts:
        by_group.setdefault(id(p.group), []).append(p)
    for members in by_group.values():  # one artist per group: hundreds of tasks stay quick
        ax.plot([p.clean for p in members], [p.robust for p in members], marker="o", markersize=4,
                linestyle="none", color=members[0].group.color, alpha=0.85)
    for stage, linestyle in stages.items():
        front = pareto_front([(p.clean, p.robust) for p in pts if p.group.stage == stage])
        if not front:
            continue
        xs, ys = zip(*front)
        # where="pre": from one corner the front drops to the next task's robust accuracy,
        # then runs right to its clean accuracy: the edge of what the stage's tasks dominate.
        ax.step(xs, ys, where="pre", color="black", linewidth=1.2, alpha=0.8, linestyle=linestyle)
        ax.plot(xs, ys, marker="o", markersize=6, markerfacecolor="none", markeredgecolor="black",
                linestyle="none", alpha=0.8)
    used = sorted({p.level for p in pts})
    title = f"{kind} at {units.level_text(kind, strength)}"
    if any(not np.isclose(v, strength, rtol=1e-6) for v in used):
        title += "\n(nearest stored: " + ", ".join(f"{v:g}" for v in used) + ")"
    ax.set_title(title)
