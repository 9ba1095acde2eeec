"""Shared look of every figure: group colours, legends placed outside the panels, and saving
each figure in every requested format."""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402

_LINESTYLES = ["-", "--", ":", "-."]

plt.rcParams.update({
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "figure.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.fonttype": "none",  # text stays text in SVG: searchable and editable
})

# The "%" of accuracy axes; variance is dimensionless.
VARIANCE_LABEL = "noise variance σ²"
ACCURACY_LABEL = "accuracy (%)"


def group_style(i, n, stage_index):
    """Colour and line style of the i-th of n groups: a colour per group (tab10 up to 10
    groups, tab20 up to 20, then evenly spaced hues of turbo, so no two groups share one),
    a line style per stage. Curves that coincide (a fine-tuning that changed little) then
    stay visible as dashes over a solid line, and the stages still read apart in black and
    white. tab20 pairs each strong colour with its pale twin; taken in that order, neighbours
    (a baseline and its first fine-tuning) would look alike, so the ten strong colours come
    first and the pale twins after them."""
    if n <= 10:
        color = plt.get_cmap("tab10")(i)
    elif n <= 20:
        color = plt.get_cmap("tab20")(2 * i if i < 10 else 2 * (i - 10) + 1)
    else:
        color = plt.get_cmap("turbo")(0.05 + 0.9 * i / (n - 1))
    return color, _LINESTYLES[stage_index % len(_LINESTYLES)]


# Above this many groups, overlapping ± bands only make a grey cloud: curves alone are drawn.
MAX_BANDS = 8


def band_alpha(n_groups):
    """Opacity of the ± bands: lighter with more groups, so overlapping bands do not turn
    into an opaque mud that hides the curves."""
    return max(0.06, min(0.18, 0.6 / max(n_groups, 1)))


def new_figure(rows, cols, panel_size=(3.4, 2.7), **kwargs):
    """A figure of rows x cols panels (always a 2-D array of axes), laid out by matplotlib's
    constrained layout so that labels never overlap."""
    fig, axes = plt.subplots(rows, cols, figsize=(panel_size[0] * cols, panel_size[1] * rows),
                             squeeze=False, layout="constrained", **kwargs)
    return fig, axes


def legend_outside(fig, groups, title="group", marker=None, extra=()):
    """One legend for all panels, right of them: with many groups an in-panel legend would
    hide the curves. Saving with a tight bounding box makes room for it. `marker`: groups
    drawn as points rather than lines; `extra`: more (handle, label) pairs after the groups."""
    if marker is None:
        handles = [plt.Line2D([], [], color=g.color, linestyle=g.linestyle, linewidth=2) for g in groups]
    else:
        handles = [plt.Line2D([], [], color=g.color, marker=marker, linestyle="none") for g in groups]
    labels = [g.label for g in groups]
    handles += [h for h, _ in extra]
    labels += [label for _, label in extra]
    ncol = 1 if len(labels) <= 16 else 2
    fig.legend(handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.0, 1.0),
               frameon=False, ncol=ncol)


def save(fig, out_dir, name, formats):
    """Writes `name`.<fmt> for every format, closes the figure, returns the paths."""
    paths = []
    for fmt in formats:
        path = os.path.join(out_dir, f"{name}.{fmt}")
        fig.savefig(path, dpi=150, bbox_inches="tight", pad_inches=0.05)
        paths.append(path)
    plt.close(fig)
    return paths


def hide_unused(axes, used):
    """Switches off the panels of a grid beyond the first `used`."""
    for ax in axes.flat[used:]:
        ax.set_visible(False)


def bottoms_above_gaps(axes, used):
    """Panels of a grid with shared x axes whose neighbour below is unused: the bottom of
    their column, whose x tick labels sharing switched off. Switches them on again and
    returns those panels, for their callers to label."""
    cols = axes.shape[1]
    bottoms = [axes.flat[i] for i in range(used) if i + cols >= used and i < axes.size - cols]
    for ax in bottoms:
        ax.xaxis.set_tick_params(which="both", labelbottom=True)
    return bottoms
