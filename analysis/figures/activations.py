"""Figure 2: where each hidden layer's pre-activations fall on the clean test set.

Saturation regularisers push pre-activations into the flat tails of the activation, where
additive noise on the layer's output matters less; overlaying groups (baseline vs
regularised) on density-normalised step lines shows that shift at a glance. A companion
figure shows what each hidden layer receives (its inputs), which makes the saturation of the
previous layer visible as mass piled up at the activation's limits.
"""
from __future__ import annotations

from matplotlib.ticker import LogFormatterSciNotation

from . import histograms, style

_NOUN = {"preactivation": "pre-activations", "input": "inputs"}


def xlabel(which, h):
    if which == "preactivation":
        return f"pre-activation z{h + 1} = W{h + 1} x + b{h + 1}"
    return "input x: the standardised data" if h == 0 else f"input x = f(z{h}), hidden layer {h}'s output"


def hidden_layer_count(groups):
    return max((len(t.hidden) for g in groups for t in g.tasks), default=0)


def draw(groups, out_dir, formats, study_name, which="preactivation"):
    """One panel per hidden layer; `which` is "preactivation" or "input"."""
    groups = [g for g in groups if any(t.hidden for t in g.tasks)]
    n_hidden = hidden_layer_count(groups)
    noun = _NOUN[which]
    fig, axes = style.new_figure(1, n_hidden, panel_size=(3.6, 2.8))
    for h, ax in enumerate(axes.flat):
        histograms.overlay(ax, groups,
                           lambda t: getattr(t.hidden[h], which) if len(t.hidden) > h else None)
        ax.set_title(f"hidden layer {h + 1}")
        ax.set_xlabel(xlabel(which, h))
        ax.set_ylabel("density")
        if which == "input":
            # Inputs pile up at the activation's limits (saturation) and at the background
            # pixel value; on a linear axis everything in between vanishes.
            ax.set_yscale("log")
            # Label minor ticks too when the axis spans under two decades, which would
            # otherwise show a single labelled tick.
            ax.yaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    scale = ", log scale" if which == "input" else ""
    fig.suptitle(f"{study_name}: hidden-layer {noun} on the clean test set (pooled over seeds{scale})")
    style.legend_outside(fig, groups)
    name = "preactivations" if which == "preactivation" else "hidden_inputs"
    return style.save(fig, out_dir, name, formats), f"{n_hidden} hidden layers × {len(groups)} groups"
