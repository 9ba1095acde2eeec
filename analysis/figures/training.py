"""Figure 4: training curves, to check that every group trained to convergence and that a
regulariser's robustness did not come from an unfinished run.

Each group's curve is the mean over its seeds. A fine-tuned task's epochs are drawn after
its parent's last epoch (epoch 21 onwards after a 20-epoch baseline): drawn from epoch 1,
a fine-tuning that starts at 99% training accuracy looked like a far better first epoch than
the baseline's, while continuing the parent's curve reads as what it is.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from . import style

PANELS = [
    ("loss", "training loss (CE + λ·regularisers)", 1.0, True),
    ("train_accuracy", "training accuracy (%)", 100.0, False),
    ("validation_accuracy", "validation accuracy (%)", 100.0, False),
]


def epoch_offset(task, tasks):
    """Epochs trained before this task began: the parent's, and its parent's, ..."""
    offset, seen = 0, set()
    while task.parent in tasks and task.parent not in seen:
        seen.add(task.parent)
        task = tasks[task.parent]
        offset += len(task.curve.get("loss", []))
    return offset


def mean_curve(tasks, all_tasks, name):
    """(epochs, mean over seeds) for the epochs every seed reached, or None."""
    curves = [t.curve[name] for t in tasks if len(t.curve.get(name, []))]
    if not curves:
        return None
    n = min(len(c) for c in curves)
    epochs = np.arange(1, n + 1) + epoch_offset(tasks[0], all_tasks)
    return epochs, np.mean([c[:n] for c in curves], axis=0)


def draw(groups, all_tasks, out_dir, formats, study_name):
    fig, axes = style.new_figure(1, len(PANELS), panel_size=(3.4, 2.8))
    longest = max(epoch_offset(t, all_tasks) + len(t.curve.get("loss", [])) for g in groups for t in g.tasks)
    marker = "o" if longest <= 30 else None
    for ax, (name, label, scale, log) in zip(axes.flat, PANELS):
        for g in groups:
            result = mean_curve(g.tasks, all_tasks, name)
            if result is not None:
                epochs, mean = result
                ax.plot(epochs, mean * scale, color=g.color, linestyle=g.linestyle, linewidth=1.4,
                        marker=marker, markersize=2.5)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"{study_name}: training curves (mean over seeds; "
                 "fine-tuning continues after its baseline's last epoch)")
    style.legend_outside(fig, groups)
    return style.save(fig, out_dir, "training_curves", formats), f"{len(groups)} groups"
