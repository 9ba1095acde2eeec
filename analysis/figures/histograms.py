"""Pooling the archive's stored histograms over the seeds of a group, and drawing them.

Each task stores its own 60 equal-width bins over its own value range, so the seeds of a
group cannot be summed bin by bin. They are re-binned onto edges shared by every group of a
panel, spreading each stored bin's count over the new bins it overlaps in proportion to the
overlap (values are taken as uniform within a bin, the only assumption the stored data
allow). Shared edges make overlaid groups compare bin for bin; the density normalisation
makes groups of different sizes compare.

Small layers (an output layer's 10 biases) would give 60 mostly empty bins and a comb of
spikes, so the shared bins follow the Rice rule, 2 n^(1/3) for n values per task, between 6
and 60 bins.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

MIN_BINS, MAX_BINS = 6, 60


def rebin(edges, counts, new_edges):
    """Counts of (edges, counts) re-distributed onto new_edges by overlap."""
    lo = np.maximum(edges[:-1, None], new_edges[None, :-1])
    hi = np.minimum(edges[1:, None], new_edges[None, 1:])
    overlap = np.clip(hi - lo, 0, None)
    width = np.diff(edges)[:, None]
    share = np.where(width > 0, overlap / np.where(width > 0, width, 1), 0)
    return counts @ share


def shared_edges(histograms):
    """Equal-width edges spanning every histogram of a panel, or None if all are empty."""
    histograms = [h for h in histograms if h.counts.sum() > 0]
    if not histograms:
        return None
    n = min(h.counts.sum() for h in histograms)
    bins = int(np.clip(round(2 * n ** (1 / 3)), MIN_BINS, MAX_BINS))
    lo = min(h.edges[0] for h in histograms)
    hi = max(h.edges[-1] for h in histograms)
    return np.linspace(lo, hi, bins + 1)


def pooled_density(histograms, edges):
    """Density of the union of `histograms` on `edges`, or None when there is no data."""
    histograms = [h for h in histograms if h.counts.sum() > 0]
    if not histograms:
        return None
    counts = sum(rebin(h.edges, h.counts, edges) for h in histograms)
    return counts / (counts.sum() * np.diff(edges))


def step(ax, edges, density, **kwargs):
    """A histogram as a step line closed to zero at both ends, so overlaid groups stay
    readable where filled bars would hide each other."""
    x = np.concatenate([[edges[0]], edges, [edges[-1]]])
    y = np.concatenate([[0], density, [density[-1]], [0]])
    ax.step(x, y, where="post", **kwargs)


def overlay(ax, groups, histograms_of):
    """Draws one step line per group; histograms_of(task) gives that task's histogram for
    this panel, or None."""
    per_group = [[h for h in map(histograms_of, g.tasks) if h is not None] for g in groups]
    edges = shared_edges([h for hs in per_group for h in hs])
    if edges is None:
        return
    for g, hs in zip(groups, per_group):
        density = pooled_density(hs, edges)
        if density is not None:
            step(ax, edges, density, color=g.color, linestyle=g.linestyle, linewidth=1.4)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))  # no colliding labels
