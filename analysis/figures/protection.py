"""Figure 7: the protection matrix: which method protects against which nonideality.

`noisesweep report ARCHIVE.h5` writes it as tidy CSV, ARCHIVE_protection.csv: one row per
(stage, group, column), the columns being the gain in clean accuracy (the cost) and then each
nonideality's paired gain over the reference task at one strength per nonideality, in
percentage points, with its 95% Student-t interval. This figure draws that file and nothing
else: the gains are defined once, in the C++ report, and the figure must not disagree with the
tables it sits beside. So there is no fallback that recomputes them here; without the file
the figure is skipped with a note that says how to write it.

Rows are "stage · group", named like the groups of the other figures when the CSV's group
matches one of the archive's (it always does for a report grouped by its default keys).
Colour is the mean gain on a diverging scale centred at 0 (blue protects, red harms), each
cell says the mean and ± the half-width of its interval, and bold marks a cell whose interval
excludes 0.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass

import numpy as np

from . import kinds as units
from .archive import LABEL_KEY, PlotError, SEED_KEY, _unquoted

HEADER = ("stage", "group", "nonideality", "strength", "reference_accuracy", "gain_mean",
          "gain_std", "gain_n", "gain_ci_low", "gain_ci_high")
CLEAN = "clean"  # the first column: the gain in clean accuracy, at no strength


@dataclass
class Cell:
    """One (row, column) of the matrix, in pp; None where the CSV has no value (no pair, or
    no interval for a single pair)."""
    mean: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def half(self):
        return None if self.low is None or self.high is None else (self.high - self.low) / 2

    @property
    def excludes_zero(self):
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass
class Row:
    stage: str
    group: str    # the variant's label, or "key = value, ..."
    cells: dict   # column (nonideality or CLEAN) -> Cell

    @property
    def label(self):
        """As the other figures name groups; a stage that sweeps only seeds has no group name."""
        return f"{self.stage} · {self.group}" if self.group else self.stage


@dataclass
class Protection:
    path: str
    columns: list  # [(nonideality, strength)], CLEAN first with strength None
    rows: list     # Row, in the CSV's order
    stale: bool = False  # written before the archive last changed (a resumed or merged run)

    def note(self):
        """What a summary line adds when the matrix may not describe the archive any more."""
        return (f" (note: {os.path.basename(self.path)} is older than the archive; rerun "
                f"`noisesweep report`)" if self.stale else "")


def protection_csv(archive_path):
    """Where `noisesweep report ARCHIVE` writes the matrix: ARCHIVE without .h5 +
    _protection.csv (any other name keeps its extension, as the report does)."""
    stem = archive_path[:-3] if archive_path.endswith(".h5") and len(archive_path) > 3 else archive_path
    return stem + "_protection.csv"


def _number(text, path, line, column, optional=True):
    if text == "" and optional:
        return None
    try:
        return float(text)
    except ValueError:
        raise PlotError(f"{path}:{line}: {column} '{text}' is not a number") from None


def _cell(record, path, line):
    try:
        n = int(record["gain_n"])
    except ValueError:
        raise PlotError(f"{path}:{line}: gain_n '{record['gain_n']}' is not a whole number") from None
    return Cell(*(_number(record[c], path, line, c) for c in ("gain_mean", "gain_ci_low", "gain_ci_high")), n)


def read_protection(path):
    """Parses the CSV. A row of the matrix is the CSV's consecutive lines of one (stage,
    group), one per column; a column seen again starts the next row, as a labelled variant
    crossed with a grid gives several rows the same group name. Raises PlotError for a file
    that is not a protection matrix, naming the line."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = tuple(reader.fieldnames or ())
            records = list(reader)
    except OSError as e:
        raise PlotError(f"{path}: {e.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise PlotError(f"{path}: not a protection matrix of `noisesweep report` ({e})") from None
    missing = [c for c in HEADER if c not in header]
    if missing:
        raise PlotError(f"{path}: not a protection matrix of `noisesweep report` (no column "
                        f"{', '.join(missing)}; expected {','.join(HEADER)})")
    rows, strengths = [], {}
    for line, record in enumerate(records, start=2):
        if None in record.values() or None in record:
            raise PlotError(f"{path}:{line}: expected the {len(header)} fields of the header")
        kind = record["nonideality"]
        strength = None if kind == CLEAN else _number(record["strength"], path, line, "strength", optional=False)
        if strengths.setdefault(kind, strength) != strength:
            raise PlotError(f"{path}:{line}: {kind} at {strength:g}, but at {strengths[kind]:g} "
                            f"above; the matrix states one strength per nonideality")
        row = rows[-1] if rows else None
        if row is None or (row.stage, row.group) != (record["stage"], record["group"]) or kind in row.cells:
            row = Row(record["stage"], record["group"], {})
            rows.append(row)
        row.cells[kind] = _cell(record, path, line)
    # Clean first whatever the file's order: it is the cost, read before the protections.
    columns = sorted(strengths.items(), key=lambda c: c[0] != CLEAN)
    return Protection(path, columns, rows)


def _matches(row, group):
    """Whether a CSV row names this archive group: by the variant's label, or by every swept
    value but the seed as "key = value, ..." (in whatever order the report lists them)."""
    if row.stage != group.stage:
        return False
    values = {k: v for k, v in group.key[1:] if k != SEED_KEY}
    if LABEL_KEY in values:
        return row.group == _unquoted(values[LABEL_KEY])
    parts = [f"{k} = {v}" for k, v in values.items()]
    return len(row.group) == len(", ".join(parts)) and all(p in row.group for p in parts)


def select_rows(protection, archive, groups):
    """[(row, group or None)] for the rows to draw: those whose archive group is among the
    selected `groups`, in the CSV's order. Groups are matched in study order, each once, so
    rows that share a label (a labelled variant crossed with a grid) find their groups in
    turn. A row that matches no group (a report grouped by other keys) is kept when nothing
    was deselected, since it cannot be told apart."""
    selected = {id(g) for g in groups}
    everything = len(groups) == len(archive.groups)
    used, picked = set(), []
    for row in protection.rows:
        group = next((g for g in archive.groups if id(g) not in used and _matches(row, g)), None)
        if group is not None:
            used.add(id(group))
        if (group is not None and id(group) in selected) or (group is None and everything):
            picked.append((row, group))
    return picked


def column_label(kind, strength):
    return "clean" if kind == CLEAN else f"{kind}\n{units.level_text(kind, strength)}"


def draw(protection, archive, groups, out_dir, formats):
    """Returns (paths, summary), or (None, note) when `protection` is a note or has no row
    for the selected groups."""
    if isinstance(protection, str):
        return None, protection
    picked = select_rows(protection, archive, groups)
    # A group none of whose tasks is done yet (a study still running) has no pair: a row of
    # n/a would only push the others apart.
    empty = [r for r, _ in picked if all(c.mean is None for c in r.cells.values())]
    picked = [(r, g) for r, g in picked if r not in empty]
    if not picked:
        return None, (f"skipped: {protection.path} has no row with a value for the selected groups "
                      f"(rows are the groups of stages compared with a reference)")
    from . import style  # matplotlib only when drawing
    from .gains import value_text
    kinds = [k for k, _ in protection.columns]
    cells = [[row.cells.get(k) for k in kinds] for row, _ in picked]
    means = np.array([[np.nan if c is None or c.mean is None else c.mean for c in r] for r in cells])
    limit = float(np.nanmax(np.abs(means), initial=0.0)) or 1.0
    label_width = 0.065 * max(len(group.label if group else row.label) for row, group in picked)
    fig, axes = style.new_figure(1, 1, panel_size=(1.2 + label_width + 0.78 * len(kinds),
                                                   1.2 + 0.42 * len(picked)))
    ax = axes[0, 0]
    ax.grid(False)
    ax.set_facecolor("#dddddd")  # cells without a value show through
    image = ax.imshow(means, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    if kinds[0] == CLEAN:
        ax.axvline(0.5, color="black", linewidth=1.2)  # the cost, apart from the protections
    ax.set_xticks(range(len(kinds)), [column_label(k, s) for k, s in protection.columns], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(picked)), [group.label if group else row.label for row, group in picked])
    significant = 0
    for i, row_cells in enumerate(cells):
        for j, cell in enumerate(row_cells):
            significant += _annotate(ax, i, j, cell, limit, value_text)
    # Below the matrix, where the column labels (on top) leave room at any row count.
    fig.colorbar(image, ax=ax, label="gain over the reference (pp)", location="bottom", pad=0.04,
                 shrink=min(0.5, 4.0 / len(kinds) + 0.1), aspect=30)
    fig.suptitle(f"{archive.study_name}: protection matrix, gain over the reference task (pp)\n"
                 f"mean ± 95% CI over the pairs; bold: the interval excludes 0\n"
                 f"from {os.path.basename(protection.path)}, as `noisesweep report` computed it")
    paths = style.save(fig, out_dir, "protection_matrix", formats)
    total = sum(c is not None and c.mean is not None for r in cells for c in r)
    return paths, (f"{len(picked)} row{'s' * (len(picked) != 1)} × {len(kinds)} columns (clean + "
                   f"{len(kinds) - 1} nonidealities), {significant} of {total} cells exclude 0 "
                   f"at 95%" + (f" ({len(empty)} without a done pair left out)" if empty else "")
                   + protection.note())


def half_text(half):
    """"±1.9"; below 0.1 two decimals, so that a tight interval ("±0.04") does not read as no
    interval at all ("±0.0", which only an exact zero spread gives)."""
    return f"±{half:.2f}" if round(half, 1) < 0.1 else f"±{half:.1f}"


def _annotate(ax, i, j, cell, limit, value_text):
    """Writes the cell's mean and ± half-width; returns 1 when its interval excludes 0."""
    if cell is None or cell.mean is None:
        ax.text(j, i, "n/a", ha="center", va="center", fontsize=7, color="grey")
        return 0
    bold = cell.excludes_zero
    color = "white" if abs(cell.mean) > 0.6 * limit else "black"
    weight = "bold" if bold else "normal"
    half = cell.half
    ax.text(j, i - (0.14 if half is not None else 0), value_text(cell.mean), ha="center", va="center",
            fontsize=8, fontweight=weight, color=color)
    if half is not None:
        ax.text(j, i + 0.2, half_text(half), ha="center", va="center", fontsize=6.5,
                fontweight=weight, color=color)
    return int(bold)
