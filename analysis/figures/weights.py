"""Figure 3: the weights, where the row-sum regulariser acts.

Row i of W holds the weights into neuron i; the row-sum term drives row_mean * fan_in to zero
so that a shift shared by all inputs (correlated additive noise) cancels. The figure shows,
for each receiving matrix, its row means sorted (top) and each row's std in the same order
(bottom). Drawn as one mean ± std band, the std (about ten times the mean in a trained
network) flattened the means onto zero for every group and hid the very effect the figure
is for; two rows on their own scales show both that the means collapse and that the weights
themselves did not. Seeds are pooled by averaging their sorted profiles (the k-th smallest row
mean of each seed, averaged).

A second figure gives the histograms of all weights and all biases of every layer. Matrices
are named as in the README: W1 maps the inputs to hidden layer 1, W_L feeds the output.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from . import histograms, style


def receiver(l, n_layers):
    """The layer that W_{l+1} feeds."""
    return "output layer" if l == n_layers - 1 else f"hidden layer {l + 1}"


def layer_name(l, n_layers):
    return f"W{l + 1} (into {receiver(l, n_layers)})"


def layer_count(groups):
    return max((len(t.layers) for g in groups for t in g.tasks), default=0)


def sorted_profile(tasks, l):
    """(mean of sorted row means, matching mean row std) over the tasks, or None when the
    tasks' layer l differ in size (a swept width) or are missing."""
    rows = [t.layers[l] for t in tasks if len(t.layers) > l]
    if not rows or len({len(r.row_mean) for r in rows}) != 1:
        return None
    orders = [np.argsort(r.row_mean) for r in rows]
    means = np.mean([r.row_mean[o] for r, o in zip(rows, orders)], axis=0)
    stds = np.mean([r.row_std[o] for r, o in zip(rows, orders)], axis=0)
    return means, stds


def draw_rows(groups, out_dir, formats, study_name):
    groups = [g for g in groups if any(t.layers for t in g.tasks)]
    n_layers = layer_count(groups)
    receiving = list(range(1, n_layers))
    fig, axes = style.new_figure(2, len(receiving), panel_size=(3.6, 2.4), sharex="col")
    for col, l in enumerate(receiving):
        top, bottom = axes[0, col], axes[1, col]
        for g in groups:
            profile = sorted_profile(g.tasks, l)
            if profile is None:
                continue
            mean, std = profile
            x = np.arange(1, len(mean) + 1)
            kw = dict(color=g.color, linestyle=g.linestyle, linewidth=1.4)
            top.plot(x, mean, **kw)
            bottom.plot(x, std, **kw)
        top.axhline(0, color="black", linewidth=0.6)
        top.set_title(layer_name(l, n_layers))
        top.set_ylabel("row mean (= row sum / fan-in)")
        bottom.set_ylabel("row std")
        bottom.set_ylim(bottom=0)
        bottom.set_xlabel("neuron, sorted by its row mean")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"{study_name}: weights into each neuron of the receiving layers (mean over seeds)")
    style.legend_outside(fig, groups)
    paths = style.save(fig, out_dir, "row_sums", formats)
    return paths, f"{len(receiving)} receiving layers × {len(groups)} groups"


def draw_histograms(groups, out_dir, formats, study_name):
    groups = [g for g in groups if any(t.layers for t in g.tasks)]
    n_layers = layer_count(groups)
    fig, axes = style.new_figure(2, n_layers, panel_size=(3.2, 2.4))
    for l in range(n_layers):
        for row, (what, noun) in enumerate([("weights", "weight"), ("biases", "bias")]):
            ax = axes[row, l]
            histograms.overlay(ax, groups,
                               lambda t: getattr(t.layers[l], what) if len(t.layers) > l else None)
            ax.set_title(f"{layer_name(l, n_layers)}" if row == 0 else f"b{l + 1} (biases of {receiver(l, n_layers)})")
            ax.set_xlabel(f"{noun} value")
            ax.set_ylabel("density")
    fig.suptitle(f"{study_name}: weight (top) and bias (bottom) distributions per layer (pooled over seeds)")
    style.legend_outside(fig, groups)
    paths = style.save(fig, out_dir, "weight_histograms", formats)
    return paths, f"{n_layers} layers × {len(groups)} groups"
