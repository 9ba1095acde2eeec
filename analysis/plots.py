#!/usr/bin/python3
"""Paper figures from one noisesweep study archive.

    analysis/plots.py ARCHIVE.h5 [--out DIR] [--formats png,svg] [--only FIGURE ...]
                      [--stages S ...] [--groups LABEL ...] [--levels V ...]
                      [--heatmap-x/-y KEY] [--heatmap-kind K ...]
                      [--heatmap-level V] [--protection CSV]

Reads the archive (format 2 or 3) with h5py alone, through analysis/noisesweep (none of
noisesweep's C++ code), and writes, for each format:
  accuracy_vs_noise   accuracy vs each noise kind's level, a panel per kind on the kind's own
                      axis (variance, relative std, fraction, time: log; bits: reversed), a
                      curve per group
  preactivations      hidden-layer pre-activation histograms (saturation)
  hidden_inputs       hidden-layer input histograms
  row_sums            sorted row means ± std of each receiving weight matrix (zero row sums)
  weight_histograms   weight and bias histograms per layer
  training_curves     loss, training and validation accuracy per epoch
  ablation_heatmap    gain over the parent baseline vs two swept reg.* weights
  ablation_gains      gain of each fine-tuned group over its parent, a panel per noise kind,
                      with 95% Student-t intervals over the seeds, at each kind's harshest level
  protection_matrix   which method protects against which nonideality: the gains of the
                      protection matrix that `noisesweep report` writes (ARCHIVE_protection.csv)
  tradeoff            accuracy under each nonideality of that matrix vs clean accuracy, a point
                      per task, and each stage's Pareto front: how to pick a lambda or a method
A group is a stage plus its swept values except the seed: the seeds are its replicates. Its
label, as the legends show it, is "stage · variant label" or "stage · key=value, ...".
Each noise kind has levels of its own; --levels are variances and narrow only the kinds whose
levels are variances (the paper's four and OutputNoise); the harshest level is the fewest bits
for DAC and ADC, else the largest.
The histogram and row figures need an archive with network statistics (format_version 2 on);
the heat map needs two swept numeric reg.* keys, the gains fine-tuned tasks; the last two
need `noisesweep report ARCHIVE` to have been run (they draw the CSV it writes and never
recompute its gains).
Figures without their data are skipped with a note. Errors go to stderr with exit code 1.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from figures import kinds  # noqa: E402
from figures.archive import PlotError, kinds_of, load, select_groups  # noqa: E402
from figures.protection import protection_csv, read_protection  # noqa: E402

FORMATS = ("png", "svg", "pdf")


def split_list(values):
    """Accepts both `--stages a b` and `--stages a,b`."""
    return [v for value in values or [] for v in value.split(",") if v]


class Parser(argparse.ArgumentParser):
    """Usage errors exit 1 like every other error (argparse's own default is 2)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def parse_args(argv):
    p = Parser(prog="plots.py", description=__doc__.split("\n\n")[0])
    p.add_argument("archive", help="the study archive (.h5) written by `noisesweep run`")
    p.add_argument("--out", help="output directory (default: ARCHIVE without .h5, + '-figures')")
    p.add_argument("--formats", default="png,svg", help="comma-separated: png, svg, pdf (default png,svg)")
    p.add_argument("--only", nargs="+", metavar="FIGURE", help="only these figures (default: all)")
    p.add_argument("--stages", nargs="+", metavar="STAGE", help="only these stages (default: all)")
    p.add_argument("--groups", nargs="+", metavar="LABEL",
                   help="only groups with these legend labels; a label also picks the groups it "
                        "begins ('noise-aware' picks 'noise-aware · AddUnc 0.2', ...)")
    p.add_argument("--levels", nargs="+", metavar="VAR",
                   help="only these noise variances (nearest stored level), or a range LO:HI; "
                        "kinds whose levels are not variances (bits, times, ...) keep all theirs")
    p.add_argument("--heatmap-x", metavar="KEY", help="swept reg.* key on the heat map's x axis")
    p.add_argument("--heatmap-y", metavar="KEY", help="swept reg.* key on the heat map's y axis")
    p.add_argument("--heatmap-kind", nargs="+", metavar="KIND",
                   help="noise kind(s) of the heat map (default: every kind)")
    p.add_argument("--heatmap-level", metavar="VAR",
                   help="noise variance of the heat map's kinds whose levels are variances (default: "
                        "each kind's harshest level)")
    p.add_argument("--protection", metavar="CSV",
                   help="the protection matrix of `noisesweep report` (default: ARCHIVE without .h5 "
                        "+ '_protection.csv')")
    return p.parse_args(argv)


def stored_variances(archive):
    """Every stored level of the kinds whose levels are variances (the paper's four and
    OutputNoise): what --levels and --heatmap-level choose from."""
    levels = [t.levels_of(k) for t in archive.tasks.values() for k in t.kinds if kinds.is_variance(k)]
    return np.unique(np.concatenate(levels)) if levels else np.asarray([], dtype=float)


def nearest_level(levels, text, option):
    """The stored level closest to `text` (in log space), within 5%: the stored levels are
    rounded (0.0021544...) and nobody types them in full."""
    try:
        value = float(text)
    except ValueError:
        raise PlotError(f"{option} {text}: not a number") from None
    if value <= 0:
        raise PlotError(f"{option} {text}: variances are positive")
    if len(levels) == 0:
        raise PlotError(f"{option} {text}: no kind of the archive has variances as levels "
                        f"({option} applies to {', '.join(kinds.VARIANCE_KINDS)})")
    best = levels[np.argmin(np.abs(np.log(levels / value)))]
    if abs(best / value - 1) > 0.05:
        raise PlotError(f"{option} {text}: no such noise level; the archive's variances are "
                        + ", ".join(f"{v:g}" for v in levels))
    return float(best)


def wanted_levels(archive, values):
    """The stored variances chosen by --levels, or None for all of them. They narrow only the
    kinds whose levels are variances: a bit count or a time is no variance."""
    if not values:
        return None
    levels = stored_variances(archive)
    chosen = []
    for text in split_list(values):
        if ":" in text:
            lo, hi = (nearest_level(levels, part, "--levels") if part else None for part in text.split(":", 1))
            chosen += [v for v in levels if (lo is None or v >= lo) and (hi is None or v <= hi)]
        else:
            chosen.append(nearest_level(levels, text, "--levels"))
    return np.unique(chosen)


def resolve_options(args, archive):
    args.formats = split_list([args.formats])
    bad = [f for f in args.formats if f not in FORMATS]
    if bad or not args.formats:
        raise PlotError(f"--formats: unknown format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    args.only = split_list(args.only) or list(FIGURES)
    unknown = [f for f in args.only if f not in FIGURES]
    if unknown:
        raise PlotError(f"--only: unknown figure(s) {', '.join(unknown)}; the figures are {', '.join(FIGURES)}")
    args.only = [f for f in FIGURES if f in args.only]
    args.stages = split_list(args.stages)
    args.levels = wanted_levels(archive, args.levels)
    if args.heatmap_level is not None:
        args.heatmap_level = nearest_level(stored_variances(archive), args.heatmap_level, "--heatmap-level")
    args.heatmap_kind = split_list(args.heatmap_kind) or None
    known = kinds_of(archive.groups)
    for kind in args.heatmap_kind or []:
        if kind not in known:
            raise PlotError(f"--heatmap-kind {kind}: not a noise kind of the archive ({', '.join(known)})")
    if args.out is None:
        args.out = os.path.splitext(args.archive)[0] + "-figures"
    args.protection = protection_input(args)
    return args


def protection_input(args):
    """The protection matrix that `noisesweep report` wrote (a Protection), or a note saying
    why there is none, when a figure of --only needs it. Read now, so that a malformed file
    fails before any figure is drawn. A file named with --protection must exist; the default
    one may not yet, as the report is a step of its own."""
    if not set(args.only) & set(PROTECTION_FIGURES):
        return None
    if args.protection is not None:
        if not os.path.exists(args.protection):
            raise PlotError(f"--protection {args.protection}: no such file")
        path = args.protection
    else:
        path = protection_csv(args.archive)
        if not os.path.exists(path):
            return (f"skipped: no protection matrix ({path}); run `noisesweep report {args.archive}` "
                    f"first, which writes it (the gains are computed there, not here)")
    matrix = read_protection(path)
    # A run resumed or merged after the report changes the archive, not the CSV.
    matrix.stale = os.path.getmtime(path) < os.path.getmtime(args.archive)
    return matrix


def report(name, paths, summary):
    exts = ",".join(os.path.splitext(p)[1][1:] for p in paths)
    stem = os.path.splitext(paths[0])[0]
    files = f"{stem}.{exts}" if len(paths) == 1 else f"{stem}.{{{exts}}}"
    print(f"{name:<18} {files}: {summary}")


STATS_FIGURES = ("preactivations", "hidden_inputs", "row_sums", "weight_histograms")
PROTECTION_FIGURES = ("protection_matrix", "tradeoff")
FIGURES = (("accuracy_vs_noise",) + STATS_FIGURES + ("training_curves", "ablation_heatmap", "ablation_gains")
           + PROTECTION_FIGURES)


def figure_jobs(archive, groups, args):
    """name -> function drawing that figure and returning (paths, summary), or
    (None, note) when it has nothing to show."""
    # Imported only now: matplotlib takes a second to load, and option errors need none.
    from figures import accuracy, activations, gains, heatmap, protection, tradeoff, training, weights
    heatmap_plan = heatmap.plan(archive, groups, args)  # checks the --heatmap-* options
    out, formats, name = args.out, args.formats, archive.study_name
    return {
        "accuracy_vs_noise": lambda: accuracy.draw(groups, args.levels, out, formats, name),
        "preactivations": lambda: activations.draw(groups, out, formats, name, "preactivation"),
        "hidden_inputs": lambda: activations.draw(groups, out, formats, name, "input"),
        "row_sums": lambda: weights.draw_rows(groups, out, formats, name),
        "weight_histograms": lambda: weights.draw_histograms(groups, out, formats, name),
        "training_curves": lambda: training.draw(groups, archive.tasks, out, formats, name),
        "ablation_heatmap": lambda: heatmap.draw(archive, heatmap_plan, out, formats),
        "ablation_gains": lambda: gains.draw(archive, groups, args.levels, out, formats),
        "protection_matrix": lambda: protection.draw(args.protection, archive, groups, out, formats),
        "tradeoff": lambda: tradeoff.draw(args.protection, archive, groups, out, formats),
    }


def run(argv):
    args = parse_args(argv)
    archive = load(args.archive)
    args = resolve_options(args, archive)
    groups = select_groups(archive, args.stages, args.groups)
    jobs = figure_jobs(archive, groups, args)
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise PlotError(f"--out {args.out}: {e.strerror}") from None
    if archive.skipped:
        print(f"note: {archive.skipped} task(s) failed or diverged and are left out")
    has_stats = any(t.layers for g in groups for t in g.tasks)
    for name in args.only:
        if name in STATS_FIGURES and not has_stats:
            print(f"{name:<18} skipped: no network statistics in this archive (format_version "
                  f"{archive.format_version}; they came with format_version 2, and a study with "
                  f"[archive] stats = false keeps none)")
            continue
        paths, summary = jobs[name]()
        if paths is None:
            print(f"{name:<18} {summary}")
        else:
            report(name, paths, summary)
    return 0


def main():
    try:
        return run(sys.argv[1:])
    except PlotError as e:
        print(f"plots.py: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
