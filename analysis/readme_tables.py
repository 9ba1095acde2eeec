#!/usr/bin/env python3
"""The README's result tables and result numbers, rendered from the committed files they come
from.

    /usr/bin/python3 analysis/readme_tables.py --check   # names every table cell or number in
                                                         # README.md that its source contradicts
    /usr/bin/python3 analysis/readme_tables.py --write   # rewrites them from their sources

A comment right above a block of README.md names the block and its source files:

    <!-- table NAME: analysis/results/paper-mnist/report.csv -->      a Markdown table
    <!-- numbers NAME: analysis/results/paper-mnist/report.csv -->    a paragraph or a list
    <!-- excerpt NAME: analysis/results/mnist-seed1/baseline.log -->  a fenced code block

NAME is a renderer below (RENDERERS), which turns the source files into the block's text. A table
or an excerpt is rendered whole. A paragraph is checked number by number: each of its claims is a
piece of its text with {fields} where the numbers go, and says how the source gives each number.
Every number of such a paragraph must be a field of a claim or part of a fixed text (a setting,
or a figure quoted from the paper), so a number added to the text without a source fails the check.

In the result sections (RESULT_SECTIONS) every table needs a source comment. Other tables
describe settings and formats, and need none. The test suite runs the check
(analysis/tests/test_readme_tables.py).

To change a result: rebuild its source file (analysis/make_results.sh for analysis/results/STUDY/,
analysis/seed1_results.sh for analysis/results/mnist-seed1/), then run --write and read the diff.
To change the text around a number: edit the claim's template here as well.
"""
from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# Sections (level-2 headings) whose tables all quote measured or computed numbers.
RESULT_SECTIONS = ("## The paper reproduced", "## Beyond the paper", "## Results on MNIST (seed 1)")

MARKER = re.compile(r"^<!-- (table|numbers|excerpt) ([a-z0-9-]+): (.+?) -->$")
MINUS = "\u2212"  # the typographic minus of the paper sections


# --- Sources ------------------------------------------------------------------------------------

def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Report:
    """analysis/results/STUDY/report.csv of `noisesweep report`: one row per group of tasks."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = read_csv(path)

    def row(self, stage: str, label: str = "", **keys: str) -> dict[str, str]:
        found = [r for r in self.rows if r["stage"] == stage and r.get("label", "") == label
                 and all(r[k] == v for k, v in keys.items())]
        if len(found) != 1:
            raise SourceError(f"{rel(self.path)}: {len(found)} rows for stage {stage!r}, "
                              f"label {label!r}, {keys} (expected 1)")
        return found[0]

    def labels(self, stage: str) -> list[str]:
        return [r["label"] for r in self.rows if r["stage"] == stage]

    def mean(self, row: dict[str, str], metric: str) -> float:
        return number(row, f"{metric}_mean", self.path)

    def std(self, row: dict[str, str], metric: str) -> float:
        return number(row, f"{metric}_std", self.path)

    def half_width(self, row: dict[str, str], metric: str) -> float:
        """Half-width of the 95% interval around the mean (the report's interval is symmetric)."""
        return number(row, f"{metric}_ci_high", self.path) - number(row, f"{metric}_mean", self.path)

    def tasks(self) -> int:
        return sum(int(r["tasks"]) for r in self.rows)


class Protection:
    """protection.csv of `noisesweep report`: the paired gain of each group, per nonideality."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = read_csv(path)

    def groups(self) -> list[tuple[str, str]]:
        seen = []
        for r in self.rows:
            if (r["stage"], r["group"]) not in seen:
                seen.append((r["stage"], r["group"]))
        return seen

    def kinds(self) -> list[str]:
        stage, group = self.groups()[0]
        return [r["nonideality"] for r in self.rows if (r["stage"], r["group"]) == (stage, group)]

    def row(self, group: str, kind: str) -> dict[str, str]:
        found = [r for r in self.rows if r["group"] == group and r["nonideality"] == kind]
        if len(found) != 1:
            raise SourceError(f"{rel(self.path)}: {len(found)} rows for group {group!r}, {kind}")
        return found[0]

    def gain(self, group: str, kind: str) -> tuple[float, float]:
        r = self.row(group, kind)
        mean = number(r, "gain_mean", self.path)
        return mean, number(r, "gain_ci_high", self.path) - mean

    def strength(self, kind: str) -> float | None:
        s = self.row(self.groups()[0][1], kind)["strength"]
        return float(s) if s else None

    def reference(self, kind: str) -> float:
        return number(self.row(self.groups()[0][1], kind), "reference_accuracy", self.path)


class Seed1:
    """analysis/results/mnist-seed1/ of analysis/seed1_results.sh: runs.csv and noise.csv."""

    def __init__(self, runs: Path, noise: Path):
        self.runs = {r["run"]: r for r in read_csv(runs)}
        self.noise = {(r["run"], r["kind"], r["level"]): r for r in read_csv(noise)}
        self.runs_path, self.noise_path = runs, noise

    def clean(self, run: str) -> float:
        return number(self.runs[run], "clean", self.runs_path)

    def median(self, run: str, layer: str) -> float:
        return number(self.runs[run], f"median_rowsum_{layer}", self.runs_path)

    def at(self, run: str, kind: str, level: str = "1") -> float:
        if (run, kind, level) not in self.noise:
            raise SourceError(f"{rel(self.noise_path)}: no row for {run}, {kind}, level {level}")
        return number(self.noise[(run, kind, level)], "mean", self.noise_path)


class SourceError(Exception):
    pass


def number(row: dict[str, str], column: str, path: Path) -> float:
    try:
        return float(row[column])
    except (KeyError, ValueError):
        raise SourceError(f"{rel(path)}: no number in column {column!r} of row "
                          f"{', '.join(v for v in list(row.values())[:3] if v)}") from None


def rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# --- Formatting -----------------------------------------------------------------------------------

def fixed(x: float, digits: int) -> str:
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0"


def signed(x: float, digits: int = 1, minus: str = MINUS) -> str:
    """+1.5, −1.5; a value that rounds to zero keeps the sign of the value (−0.0, +0.0)."""
    text = f"{x:+.{digits}f}"
    return text.replace("-", minus)


def pm(mean: float, spread: float, digits: int = 2) -> str:
    return f"{fixed(mean, digits)} ± {fixed(spread, digits)}"


def gain(mean: float, half_width: float, minus: str = MINUS) -> str:
    return f"{signed(mean, 1, minus)} ± {fixed(half_width, 1)}"


def significant(x: float, digits: int) -> str:
    """x to `digits` significant digits, as a plain decimal with thousands separators:
    4.086 -> 4.09 (3), 0.001634 -> 0.0016 (2), 2553.8 -> 2,600 (2)."""
    if x == 0:
        return "0"
    exponent = math.floor(math.log10(abs(x)))
    if exponent >= digits - 1:
        return f"{round(x, digits - 1 - exponent):,.0f}"
    return f"{x:.{digits - 1 - exponent}f}"


def bold(text: str, on: bool) -> str:
    return f"**{text}**" if on else text


# --- Markdown ----------------------------------------------------------------------------------------

def table_lines(header: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells):
        return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"
    return [line(header), "|" + "|".join(align) + "|"] + [line(r) for r in rows]


def split_row(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


@dataclass
class Block:
    kind: str            # table, numbers, excerpt
    name: str            # the renderer
    sources: list[str]   # paths relative to the repository root
    heading: str         # the nearest heading above
    start: int           # first line of the block (0-based, the marker excluded)
    end: int             # one past its last line
    lines: list[str]

    def where(self) -> str:
        return f"{self.kind} {self.name!r} under {self.heading!r} (README.md line {self.start + 1})"


@dataclass
class Table:
    heading: str
    section: str
    start: int
    marker: str | None


def scan(text: str) -> tuple[list[Block], list[Table], list[str]]:
    """The marked blocks, every table, and the marker problems of a README text."""
    lines = text.split("\n")
    blocks, tables, problems = [], [], []
    heading = section = ""
    fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"#{1,6} ", line):
            heading = line
            if line.startswith("## "):
                section = line
        elif not fence and line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            above = lines[i - 1] if i > 0 else ""
            tables.append(Table(heading, section, i, above if MARKER.match(above) else None))
        m = MARKER.match(line) if not fence else None
        if m:
            kind, name, sources = m.group(1), m.group(2), m.group(3).split()
            start = i + 1
            end = start
            if kind == "table":
                while end < len(lines) and lines[end].startswith("|"):
                    end += 1
            elif kind == "excerpt":
                if end < len(lines) and lines[end].startswith("```"):
                    end += 1
                    while end < len(lines) and not lines[end].startswith("```"):
                        end += 1
                    end += 1
            else:
                while end < len(lines) and lines[end].strip():
                    end += 1
            if end == start:
                problems.append(f"README.md line {i + 1}: the {kind} marker {name!r} is not followed "
                                f"by a {'fenced code block' if kind == 'excerpt' else kind}")
            blocks.append(Block(kind, name, sources, heading, start, end, lines[start:end]))
        i += 1
    return blocks, tables, problems


# --- Renderers ----------------------------------------------------------------------------------------
# Each takes the block's source paths (absolute) and, for prose, the block's current lines, and
# returns the lines the block must have.

Renderer = Callable[[list[Path], list[str]], list[str]]
RENDERERS: dict[str, tuple[str, Renderer]] = {}  # name -> (kind, renderer)


def renderer(kind: str, name: str):
    def register(f):
        RENDERERS[name] = (kind, f)
        return f
    return register


def one_source(paths: list[Path], suffix: str) -> Path:
    if len(paths) != 1 or not paths[0].name.endswith(suffix):
        raise SourceError(f"expects one source file *{suffix}, got {' '.join(map(rel, paths))}")
    return paths[0]


def acc_or_gain(report: Report, row: dict[str, str], metric: str) -> str:
    """A baseline's accuracy (mean ± std), or a fine-tuned group's gain over it (Δ ± CI)."""
    if not row["compared_with"]:
        return pm(report.mean(row, metric), report.std(row, metric))
    return "Δ " + gain(report.mean(row, f"gain_{metric}"), report.half_width(row, f"gain_{metric}"))


# The paper studies' comparison of methods: (row label, stage, variant label).
PAPER_METHODS = [("standard training (baseline)", "baseline", ""),
                 ("row-sum fine-tune", "rowsum", ""),
                 ("saturation + L2 fine-tune", "uncorrelated", ""),
                 ("all three terms", "both", "all terms"),
                 ("noise-aware, AddUnc 0.2", "noise-aware", "AddUnc 0.2"),
                 ("noise-aware, AddCor 0.2", "noise-aware", "AddCor 0.2")]


def methods_table(report: Report, kinds: list[str], bold_cells: set[tuple[str, str]],
                  extra: tuple[str, dict[tuple[str, str], str]] | None = None) -> list[str]:
    """A row per method of PAPER_METHODS: clean accuracy, then each kind at variance 1 (the
    baseline's accuracy, the others' gain over it); `extra` is a column of fixed text."""
    header = [""] + ["clean"] + [f"{k}, σ²=1" for k in kinds] + ([extra[0]] if extra else [])
    rows = []
    for label, stage, variant in PAPER_METHODS:
        r = report.row(stage, variant)
        cells = [pm(report.mean(r, "clean"), report.std(r, "clean"))]
        cells += [bold(acc_or_gain(report, r, f"{k}@1"), (stage, k) in bold_cells) for k in kinds]
        rows.append([label] + cells + ([extra[1].get((stage, variant), "")] if extra else []))
    return table_lines(header, ["---"] * len(header), rows)


@renderer("table", "paper-mnist-methods")
def _(paths, _lines):
    report = Report(one_source(paths, "report.csv"))
    paper = {("baseline", ""): "97.2% clean", ("rowsum", ""): '"over 53 points"',
             ("both", "all terms"): "95.7% clean"}  # the paper's figures
    return methods_table(report, ["AddUnc", "AddCor"], {("rowsum", "AddCor"), ("uncorrelated", "AddUnc")},
                         ("paper", paper))


@renderer("table", "paper-fashion-methods")
def _(paths, _lines):
    report = Report(one_source(paths, "report.csv"))
    return methods_table(report, ["AddUnc", "AddCor", "MulUnc"],
                         {("rowsum", "AddCor"), ("uncorrelated", "AddUnc")})


@renderer("table", "paper-mnist-ablation")
def _(paths, _lines):
    report = Report(one_source(paths, "report.csv"))
    kinds = ["AddUnc", "AddCor", "MulUnc"]
    bold_cells = {("no row sums, hidden 2", "AddCor"), ("no saturation", "AddUnc")}
    rows = []
    for label in report.labels("both"):
        r = report.row("both", label)
        rows.append([label, pm(report.mean(r, "clean"), report.std(r, "clean"))]
                    + [bold(gain(report.mean(r, f"gain_{k}@1"), report.half_width(r, f"gain_{k}@1")),
                            (label, k) in bold_cells) for k in kinds])
    header = ["`both` variant", "clean"] + [f"Δ {k}, σ²=1" for k in kinds]
    return table_lines(header, ["---"] * len(header), rows)


@renderer("table", "paper-mnist-heatmap")
def _(paths, _lines):
    report = Report(one_source(paths, "report.csv"))
    saturations = [("0", "0"), ("1.28", "1.28 (the reference's)"), ("5.12", "5.12")]
    l2_outputs = ["0", "3", "12"]
    rows = []
    for sat, label in saturations:
        cells = []
        for l2 in l2_outputs:
            r = report.row("uncorrelated", **{"reg.saturation": sat, "reg.l2_output": l2})
            text = f"{signed(report.mean(r, 'gain_AddUnc@1'))} ({fixed(report.mean(r, 'clean'), 2)}%)"
            cells.append(bold(text, (sat, l2) == ("1.28", "3")))
        rows.append([label] + cells)
    header = ["saturation ↓ \\ L2 output →"] + l2_outputs
    return table_lines(header, ["---"] * len(header), rows)


# The paper studies: study, then what it answers; the time is a wall time (see the table's renderer).
PAPER_STUDIES = [("paper-mnist", "27 min", "the paper's comparison on MNIST, and each term switched off alone"),
                 ("paper-mnist-heatmap", "9 min", "how the saturation and output-L2 weights combine (the heat map)"),
                 ("paper-fashion", "26 min", "the same comparison on Fashion-MNIST")]


@renderer("table", "paper-studies")
def _(paths, _lines):
    # The task counts come from each study's report. The times are the wall times of the runs
    # that made analysis/results/ on the project's 2-core machine; no committed file records
    # them, so they are fixed here (PAPER_STUDIES).
    reports = {p.parent.name: Report(p) for p in paths}
    if sorted(reports) != sorted(s for s, _, _ in PAPER_STUDIES):
        raise SourceError(f"expects the reports of {', '.join(s for s, _, _ in PAPER_STUDIES)}")
    rows = [[f"`studies/{s}.toml`", str(reports[s].tasks()), time, what] for s, time, what in PAPER_STUDIES]
    return table_lines(["study", "tasks", "time on 2 cores", "what it answers"], ["---"] * 4, rows)


def protection_table(paths: list[Path], kinds: list[str]) -> list[str]:
    p = Protection(one_source(paths, "protection.csv"))
    def column(kind):
        s = p.strength(kind)
        return kind if s is None else f"{kind} {s:.3g}"
    header = ["method"] + [column(k) for k in kinds]
    rows = [["*baseline, %*"] + [f"*{p.reference(k):.1f}*" for k in kinds]]
    for stage, group in p.groups():
        label = f"aware of {group}" if stage == "hardware-aware" else group
        rows.append([label] + [gain(*p.gain(group, k), minus="-") for k in kinds])
    return table_lines(header, ["---"] + ["---:"] * len(kinds), rows)


PAPER_KINDS = ["AddUnc", "AddCor", "MulUnc", "MulCor"]


@renderer("table", "hardware-agnostic-paper-kinds")
def _(paths, _lines):
    return protection_table(paths, ["clean"] + PAPER_KINDS)


@renderer("table", "hardware-agnostic-other-kinds")
def _(paths, _lines):
    kinds = Protection(one_source(paths, "protection.csv")).kinds()
    return protection_table(paths, [k for k in kinds if k != "clean" and k not in PAPER_KINDS])


# The three seed-1 runs of studies/runs/ (analysis/seed1_results.sh).
SEED1_RUNS = [("baseline", "baseline (`mnist-baseline.toml`)"),
              ("rowsum", "row-sum fine-tune (`mnist-rowsum.toml`)"),
              ("uncorrelated", "saturation + L2 fine-tune (`mnist-uncorrelated.toml`)")]


def seed1(paths: list[Path]) -> Seed1:
    names = sorted(p.name for p in paths)
    if names != ["noise.csv", "runs.csv"]:
        raise SourceError("expects runs.csv and noise.csv of analysis/results/mnist-seed1/")
    by_name = {p.name: p for p in paths}
    return Seed1(by_name["runs.csv"], by_name["noise.csv"])


@renderer("table", "seed1")
def _(paths, _lines):
    s = seed1(paths)
    bold_cells = {("baseline", "clean"), ("rowsum", "AddCor"), ("uncorrelated", "AddUnc")}
    rows = []
    for run, label in SEED1_RUNS:
        cells = [bold(f"{s.clean(run):.2f}%", (run, "clean") in bold_cells)]
        cells += [bold(f"{s.at(run, k):.2f}%", (run, k) in bold_cells) for k in PAPER_KINDS]
        rows.append([label] + cells)
    header = ["run", "clean"] + [f"{k}, var 1" for k in PAPER_KINDS]
    return table_lines(header, ["---"] * len(header), rows)


@renderer("excerpt", "seed1-train-output")
def _(paths, _lines):
    """The results part of the baseline's log: clean accuracy, row sums, and the noise table's
    header, first level and level 1."""
    log = one_source(paths, ".log").read_text(encoding="utf-8").split("\n")
    log = [l.rstrip() for l in log]
    def first(pattern):
        for l in log:
            if re.match(pattern, l):
                return l
        raise SourceError(f"{rel(paths[0])}: no line matches {pattern!r}")
    start = log.index(first(r"accuracy under noise"))
    table = [l for l in log[start + 1:] if l.strip()]
    header, rows = table[0], [l for l in table[1:] if re.match(r"\s*[0-9.e+-]+\s", l)]
    level_1 = [l for l in rows if l.split()[0] == "1"]
    if not rows or len(level_1) != 1:
        raise SourceError(f"{rel(paths[0])}: no noise row at variance 1")
    level_column = len(header) - len(header.lstrip()) + len(header.split()[0])
    return ["```", first(r"clean test accuracy:"), first(r"median \|row sum\|"), "",
            log[start], "", header, rows[0], "...".rjust(level_column), level_1[0], "```"]


@renderer("excerpt", "speed-bench")
def _(paths, _lines):
    """One run of `noisesweep bench`: the engine's rates against the FMA peak, the GEMM table's
    totals, the engine's choice of kernels and the PyTorch ratios."""
    source = one_source(paths, ".txt")
    out = [l.rstrip() for l in source.read_text(encoding="utf-8").split("\n")]
    def where(pattern, after=0):
        for i in range(after, len(out)):
            if re.match(pattern, out[i]):
                return i
        raise SourceError(f"{rel(source)}: no line matches {pattern!r}")
    start = where(r"engine: single-core")
    rates = out[start:where(r" the fast path can exceed") + 1]
    table = where(r"GEMM libraries:")
    totals = [out[table], out[table + 1]] + [l for l in out[table:where(r"Eigen: ")]
                                             if re.match(r"(training step|noisy-evaluation|  all \d)", l)]
    choice = out[where(r"engine's choice:")]
    peers = [l for l in out if l.startswith(("PyTorch peer", "torch train", "ratios"))]
    if len(peers) < 3:
        raise SourceError(f"{rel(source)}: no PyTorch peer")
    return ["```", *rates, "", *totals, choice, "", *peers, "```"]


@renderer("excerpt", "archive-scale")
def _(paths, _lines):
    """One run of tests/perf/archive_scale.sh: its version line and a line per study size."""
    source = one_source(paths, ".txt")
    out = [l.rstrip() for l in source.read_text(encoding="utf-8").split("\n")]
    measured = [l for l in out if re.match(r"\s*\d+ tasks, weights ", l)]
    if not measured or not out[0].startswith("noisesweep:"):
        raise SourceError(f"{rel(source)}: not the output of tests/perf/archive_scale.sh")
    return ["```", out[0], *measured, "```"]


# --- Numbers in prose ---------------------------------------------------------------------------------

NUMBER = r"[+\u2212-]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:e[+-]?\d+)?"
# A number in running text: not part of a name (W2, t0, x86) and taken whole ("1000x" is 1000).
NUMBER_RE = re.compile(r"(?<![\w.])" + NUMBER + r"(?![.,]?\d)")


@dataclass
class Claim:
    """A piece of a paragraph with {fields} where numbers go, and the numbers from the source."""
    template: str
    values: Callable[[], dict[str, str]] | None = None  # None: fixed text (settings, the paper)
    why: str = ""                                       # for fixed text: where its numbers come from
    requires: Callable[[], str | None] | None = None    # what the source must show for the text
                                                        # to hold: None, or why it does not

    def pattern(self) -> re.Pattern:
        """The template as a regular expression: fields match numbers, and any whitespace matches
        any whitespace, so that rewrapping the README's lines keeps the claim."""
        parts = re.split(r"\{(\w+)\}", self.template)
        def literal(text):
            words = [re.escape(w) for w in text.split()]
            return ((r"\s+" if text[:1].isspace() else "") + r"\s+".join(words)
                    + (r"\s+" if text[-1:].isspace() and words else ""))
        return re.compile("".join(literal(p) if i % 2 == 0 else f"(?P<{p}>{NUMBER})"
                                  for i, p in enumerate(parts)))


def fixed_text(template: str, why: str, requires: Callable[[], str | None] | None = None) -> Claim:
    return Claim(template, None, why, requires)


def holds(condition: bool, otherwise: str) -> Callable[[], str | None]:
    return lambda: None if condition else otherwise


def check_prose(name: str, lines: list[str], claims: list[Claim]) -> tuple[list[str], list[str], list[tuple]]:
    """The block's text with every field rendered from the source, the problems (text not
    found, numbers without a claim, claims that no longer hold), and each field that changes."""
    text = "\n".join(lines)
    covered, problems, replacements = [], [], []
    for claim in claims:
        matches = list(claim.pattern().finditer(text))
        if len(matches) != 1:
            problems.append(f"the text {claim.template!r} occurs {len(matches)} times, not once: "
                            f"edit the claim in analysis/readme_tables.py ({name}) with the text")
            continue
        m = matches[0]
        covered.append(m.span())
        if claim.requires is not None and (why := claim.requires()) is not None:
            problems.append(f"the text {claim.template!r} no longer holds: {why}")
        if claim.values is None:
            continue
        values = claim.values()
        for key, value in values.items():
            replacements.append((m.span(key), key, m.group(key), value, claim.template))
    for m in NUMBER_RE.finditer(text):
        if re.search(r"layers?\s+$", text[max(0, m.start() - 12):m.start()]):
            continue  # a layer's name ("hidden layer 2"), not a result
        if not any(a <= m.start() and m.end() <= b for a, b in covered):
            line = text[:m.start()].count("\n")
            problems.append(f"the number {m.group()!r} (in {lines[line].strip()!r}) comes from no "
                            f"source: add a claim for it in analysis/readme_tables.py ({name})")
    changes = []
    for (a, b), key, old, new, template in sorted(replacements, reverse=True):
        if old != new:
            text = text[:a] + new + text[b:]
            changes.append((key, template, old, new))
    return text.split("\n"), problems, changes[::-1]


PROSE: dict[str, Callable[[list[Path]], list[Claim]]] = {}


def prose(name: str):
    def register(f):
        PROSE[name] = f
        RENDERERS[name] = ("numbers", None)
        return f
    return register


@prose("seed1-findings")
def _(paths):
    s = seed1(paths)
    clean_b, clean_r, clean_u = s.clean("baseline"), s.clean("rowsum"), s.clean("uncorrelated")
    def median(layer):
        before, after = s.median("baseline", layer), s.median("rowsum", layer)
        return {"before": significant(before, 3), "after": significant(after, 2),
                "ratio": significant(before / after, 2)}
    w2, w3 = median("W2"), median("W3")
    cor_b, cor_r = s.at("baseline", "AddCor"), s.at("rowsum", "AddCor")
    unc_b, unc_u = s.at("baseline", "AddUnc"), s.at("uncorrelated", "AddUnc")
    return [
        fixed_text("the paper's network (784-300-300-10, sigmoid) trained with Adagrad at lr 0.01,\n"
                   "  batch 128, for 70 epochs", "settings of studies/runs/mnist-baseline.toml"),
        Claim("It reaches {clean}% on the test set", lambda: {"clean": f"{clean_b:.2f}"}),
        fixed_text("the paper reports 97.2%", "the paper"),
        fixed_text("20 epochs from the baseline with Adagrad at lr 1e-3, lambda 0.01 and\n  k = [1, 30]",
                   "settings of studies/runs/mnist-rowsum.toml"),
        Claim("The median |row sum| falls from {before} to {after} in hidden layer 2 ({ratio}x)",
              lambda: w2),
        Claim("from {before} to {after} in the output layer ({ratio}x)", lambda: w3),
        Claim("accuracy stays\n  at the clean {clean}%, against {base}% for the baseline: "
              "**{gain} percentage points**",
              lambda: {"clean": f"{cor_r:.2f}", "base": f"{cor_b:.2f}",
                       "gain": signed(cor_r - cor_b)},
              requires=holds(f"{cor_r:.2f}" == f"{clean_r:.2f}",
                             "the row-sum run's AddCor accuracy is not its clean accuracy")),
        fixed_text("Under AddCor at variance 1", "the level the table shows"),
        fixed_text("the paper's headline is over 53", "the paper",
                   requires=holds(cor_r - cor_b > 53, "the gain is not over 53 points")),
        fixed_text("with its lr of 5e-6", "the reference's setting"),
        fixed_text("At lr 1e-3 each weight moves about 1e-3 per step,\n  and a row of 300 weights "
                   "can cancel a row sum of 4 within the first epoch",
                   "the setting, the layer's width and the baseline's row sums (above), rounded"),
        fixed_text("settle the row sums about 1000x closer to zero",
                   "an order of magnitude: the row sums end 2,500x-5,400x below the baseline's"),
        fixed_text("20 epochs from the baseline with Adagrad at lr 1e-2 and the\n  reference's weights "
                   "(saturation 1.28 as a batch mean, l2_hidden 0.015, l2_output 3, lambda\n  6e-3)",
                   "settings of studies/runs/mnist-uncorrelated.toml"),
        Claim("Under AddUnc at variance 1 it reaches {unc}% against {base}%, **{gain} points**",
              lambda: {"unc": f"{unc_u:.2f}", "base": f"{unc_b:.2f}", "gain": signed(unc_u - unc_b)}),
        Claim("It\n  costs {cost} points of clean accuracy", lambda: {"cost": f"{clean_b - clean_u:.1f}"}),
        fixed_text("(paper: 97.2% to 95.7%)", "the paper"),
    ]


def study_reports(paths: list[Path], *studies: str) -> list[Report]:
    """The report.csv of each named study (analysis/results/STUDY/report.csv), in that order."""
    by_study = {p.parent.name: p for p in paths if p.name == "report.csv"}
    if sorted(by_study) != sorted(studies) or len(paths) != len(studies):
        raise SourceError(f"expects analysis/results/STUDY/report.csv of {', '.join(studies)}")
    return [Report(by_study[s]) for s in studies]


def seeds(report: Report) -> str:
    """The seed count of a study in which every group has the same number of done tasks."""
    counts = {r["clean_n"] for r in report.rows}
    if len(counts) != 1:
        raise SourceError(f"{rel(report.path)}: the groups have {sorted(counts)} done tasks")
    return counts.pop()


class Groups:
    """Short access to a report's groups: mean, gain (mean) and gain ± half-width, as text."""

    def __init__(self, report: Report):
        self.report = report

    def row(self, group: str) -> dict[str, str]:
        stage, _, label = group.partition("/")
        return self.report.row(stage, label)

    def mean(self, group: str, metric: str) -> float:
        return self.report.mean(self.row(group), metric)

    def gain(self, group: str, metric: str) -> float:
        return self.report.mean(self.row(group), f"gain_{metric}")

    def g(self, group: str, metric: str) -> str:
        return signed(self.gain(group, metric))


@prose("paper-mnist-intro")
def _(paths):
    report, = study_reports(paths, "paper-mnist")
    return [Claim("Mean ± std over {seeds} seeds.", lambda: {"seeds": seeds(report)}),
            fixed_text("at variance 1, ± the half-width of its 95% CI", "the report's level and interval")]


@prose("paper-mnist-findings")
def _(paths):
    g = Groups(study_reports(paths, "paper-mnist")[0])
    clean = {k: g.mean(k, "clean") for k in ("baseline", "rowsum", "uncorrelated", "both/all terms")}
    cost = {k: clean["baseline"] - v for k, v in clean.items()}
    fine_tuned = [r for r in g.report.rows if r["compared_with"]]
    mulcor = max(abs(g.report.mean(r, "gain_MulCor@1")) for r in fine_tuned)
    aware = "noise-aware/AddUnc 0.2"
    return [
        Claim("Regularisation costs {rowsum} (row sums) to {unc} (saturation + L2) points of clean accuracy",
              lambda: {"rowsum": f"{cost['rowsum']:.2f}", "unc": f"{cost['uncorrelated']:.1f}"},
              requires=holds(cost["rowsum"] <= cost["both/all terms"] <= cost["uncorrelated"],
                             "the combined stage's cost is outside the range")),
        fixed_text("the paper reports 97.2% → 95.7%", "the paper"),
        Claim("Our baseline is better ({clean}%)", lambda: {"clean": f"{clean['baseline']:.2f}"}),
        fixed_text("(Adagrad at lr 0.01, 70 epochs)", "settings of studies/paper-mnist.toml"),
        Claim("combined stage loses {loss} point rather than 1.5",
              lambda: {"loss": f"{cost['both/all terms']:.1f}"}),
        Claim("({both} points, against {unc} for saturation + L2 alone)",
              lambda: {"both": g.g("both/all terms", "AddUnc@1"), "unc": g.g("uncorrelated", "AddUnc@1")}),
        fixed_text("Under additive correlated noise at variance 1", "the level of the tables"),
        Claim("row sums keep the clean accuracy ({acc}%): {gain} points over standard training",
              lambda: {"acc": f"{g.mean('rowsum', 'AddCor@1'):.1f}", "gain": g.g("rowsum", "AddCor@1")},
              requires=holds(abs(g.mean("rowsum", "AddCor@1") - clean["rowsum"]) < 0.05,
                             "the row-sum stage's AddCor accuracy differs from its clean accuracy")),
        fixed_text("the paper's \"over 53\"", "the paper"),
        Claim("varies by seed ({mean} ± {std}%)",
              lambda: {"mean": f"{g.mean('baseline', 'AddCor@1'):.1f}",
                       "std": f"{g.report.std(g.row('baseline'), 'AddCor@1'):.1f}"}),
        Claim("AddCor gain falls from {all} to {without} points",
              lambda: {"all": g.g("both/all terms", "AddCor@1"),
                       "without": g.g("both/no row sums, hidden 2", "AddCor@1")}),
        Claim("the AddUnc gain rises from {all} to {without}",
              lambda: {"all": g.g("both/all terms", "AddUnc@1"),
                       "without": g.g("both/no row sums, output", "AddUnc@1")}),
        Claim("so does the row-sum stage alone ({rowsum})", lambda: {"rowsum": g.g("rowsum", "AddUnc@1")}),
        Claim("the gain vanishes ({all} → {without})",
              lambda: {"all": g.g("both/all terms", "AddUnc@1"), "without": g.g("both/no saturation", "AddUnc@1")}),
        Claim("helps AddCor ({unc} for saturation + L2 alone)", lambda: {"unc": g.g("uncorrelated", "AddCor@1")}),
        Claim("all gains within ±{max} points", lambda: {"max": f"{mulcor:.1f}"}),
        Claim("gains less against AddUnc ({aware}) than saturation + L2 ({unc}), at a smaller clean cost",
              lambda: {"aware": g.g(aware, "AddUnc@1"), "unc": g.g("uncorrelated", "AddUnc@1")},
              requires=holds(g.mean(aware, "clean") > clean["uncorrelated"],
                             "noise-aware training costs more clean accuracy than saturation + L2")),
        fixed_text("(Adagrad at lr 5e-6)", "the reference's setting"),
        fixed_text("the reference's 0.01 summed over 128 samples is 1.28 here",
                   "the reference's setting and batch size"),
    ]


@prose("paper-mnist-heatmap-intro")
def _(paths):
    report, = study_reports(paths, "paper-mnist-heatmap")
    return [fixed_text("(Adagrad lr 1e-2, lambda 6e-3, L2 on hidden layer 2 at 0.015)",
                       "settings of studies/paper-mnist-heatmap.toml"),
            Claim("output-L2 weight, {seeds} seeds.", lambda: {"seeds": seeds(report)}),
            fixed_text("under AddUnc at variance 1", "the level of the table")]


@prose("paper-mnist-heatmap-findings")
def _(paths):
    report, = study_reports(paths, "paper-mnist-heatmap")
    def cell(sat, l2):
        return report.mean(report.row("uncorrelated", **{"reg.saturation": sat, "reg.l2_output": l2}),
                           "gain_AddUnc@1")
    return [
        Claim("small output weights alone give {l2} points, saturated pre-activations alone {sat}, "
              "and the reference's weights together {both}",
              lambda: {"l2": signed(cell("0", "3")), "sat": signed(cell("1.28", "0")),
                       "both": signed(cell("1.28", "3"))}),
        fixed_text("(the top-left cell) does nothing", "the table's top-left cell",
                   requires=holds(abs(cell("0", "0")) < 0.5, "the top-left cell's gain is not near 0")),
        fixed_text("lr 3e-3", "setting of the stage both of studies/paper-mnist.toml"),
    ]


@prose("paper-fashion-intro")
def _(paths):
    report, = study_reports(paths, "paper-fashion")
    return [Claim("{seeds} seeds, on our deterministic split", lambda: {"seeds": seeds(report)})]


@prose("paper-fashion-findings")
def _(paths):
    fashion, mnist = study_reports(paths, "paper-fashion", "paper-mnist")
    f, m = Groups(fashion), Groups(mnist)
    clean = {k: f.mean(k, "clean") for k in ("baseline", "rowsum", "uncorrelated")}
    return [
        Claim("Row sums make AddCor harmless ({acc}% at σ² = 1, the clean accuracy; {gain} points",
              lambda: {"acc": f"{f.mean('rowsum', 'AddCor@1'):.1f}", "gain": f.g("rowsum", "AddCor@1")},
              requires=holds(abs(f.mean("rowsum", "AddCor@1") - clean["rowsum"]) < 0.05,
                             "the row-sum stage's AddCor accuracy differs from its clean accuracy")),
        Claim("AddCor, {fashion}% against {mnist}%)",
              lambda: {"fashion": f"{f.mean('baseline', 'AddCor@1'):.0f}",
                       "mnist": f"{m.mean('baseline', 'AddCor@1'):.0f}"}),
        Claim("Saturation + L2 give {unc} points under AddUnc and {mul} under MulUnc",
              lambda: {"unc": f.g("uncorrelated", "AddUnc@1"), "mul": f.g("uncorrelated", "MulUnc@1")}),
        Claim("the row-sum stage is even {above} points above its baseline",
              lambda: {"above": f"{clean['rowsum'] - clean['baseline']:.2f}"},
              requires=holds(clean["rowsum"] > clean["baseline"], "the row-sum stage is below its baseline")),
        Claim("saturation + L2 costs {cost}", lambda: {"cost": f"{clean['baseline'] - clean['uncorrelated']:.1f}"}),
        Claim("the AddCor gain falls from {all} to {without}",
              lambda: {"all": f.g("both/all terms", "AddCor@1"),
                       "without": f.g("both/no row sums, hidden 2", "AddCor@1")}),
        Claim("the AddUnc gain vanishes ({all} → {without})",
              lambda: {"all": f.g("both/all terms", "AddUnc@1"), "without": f.g("both/no saturation", "AddUnc@1")}),
        Claim("output row sums cost AddUnc robustness ({without} without them)",
              lambda: {"without": f.g("both/no row sums, output", "AddUnc@1")},
              requires=holds(f.gain("both/no row sums, output", "AddUnc@1") > f.gain("both/all terms", "AddUnc@1"),
                             "the AddUnc gain does not rise without output row sums")),
    ]


def hardware_agnostic(paths: list[Path]) -> tuple[Report, Protection]:
    by_name = {p.name: p for p in paths}
    if sorted(by_name) != ["protection.csv", "report.csv"]:
        raise SourceError("expects report.csv and protection.csv of analysis/results/hardware-agnostic/")
    return Report(by_name["report.csv"]), Protection(by_name["protection.csv"])


@prose("hardware-agnostic-intro")
def _(paths):
    report, p = hardware_agnostic(paths)
    pairs = {r["gain_n"] for r in p.rows}
    return [Claim("MNIST baseline ({seeds} seeds)", lambda: {"seeds": seeds(report)}),
            Claim("fourteen kinds ({tasks} tasks)", lambda: {"tasks": str(report.tasks())},
                  requires=holds(len(p.kinds()) == 15, "the matrix has not fourteen kinds besides clean")),
            Claim("the 95% Student-t interval over {pairs} pairs",
                  lambda: {"pairs": pairs.copy().pop() if len(pairs) == 1 else "?"})]


@prose("hardware-agnostic-findings")
def _(paths):
    p = Protection(one_source(paths, "protection.csv"))
    def s(group, kind):
        return signed(p.gain(group, kind)[0])
    def insignificant(group, kind):
        mean, half = p.gain(group, kind)
        return abs(mean) <= half
    cheap = ["MulUnc", "MulCor", "ProgMul", "ReadMul", "StuckOff", "Drift", "DAC", "ADC"]
    weight_kinds, weight_aware = ["ProgAdd", "ReadAdd", "StuckOn"], ["ProgAdd 0.2", "ReadAdd 0.2", "StuckOn 0.03"]
    transfer = [p.gain(a, k)[0] for a in weight_aware for k in weight_kinds]
    cleanest = min(p.gain(group, "clean")[0] for _, group in p.groups())
    def pm2(group, kind):
        mean, half = p.gain(group, kind)
        return {"g": signed(mean), "h": fixed(half, 1)}
    return [
        Claim("{g} ± {h} points under programming noise (ProgAdd, s = {s})",
              lambda: {**pm2("saturation + L2", "ProgAdd"), "s": f"{p.strength('ProgAdd'):g}"}),
        Claim("{g} ± {h} under read noise (ReadAdd)", lambda: pm2("saturation + L2", "ReadAdd")),
        Claim("against {prog} and {read} for training under ProgAdd itself",
              lambda: {"prog": s("ProgAdd 0.2", "ProgAdd"), "read": s("ProgAdd 0.2", "ReadAdd")}),
        Claim("{g} ± {h} under stuck-on devices (StuckOn, p = {p})",
              lambda: {**pm2("saturation + L2", "StuckOn"), "p": f"{p.strength('StuckOn'):g}"}),
        Claim("clean accuracy than hardware-aware training ({sat} against {aware})",
              lambda: {"sat": s("saturation + L2", "clean"), "aware": s("ProgAdd 0.2", "clean")}),
        Claim("{g} ± {h} under AddCor, no significant gain under ProgAdd ({prog} ± {prog_h}) or StuckOn, "
              "{read} under ReadAdd, and losses under AddUnc ({addunc}) and output noise ({output})",
              lambda: {**pm2("row sums", "AddCor"), "prog": pm2("row sums", "ProgAdd")["g"],
                       "prog_h": pm2("row sums", "ProgAdd")["h"], "read": s("row sums", "ReadAdd"),
                       "addunc": s("row sums", "AddUnc"), "output": s("row sums", "OutputNoise")},
              requires=holds(insignificant("row sums", "ProgAdd") and insignificant("row sums", "StuckOn"),
                             "a row-sum gain under ProgAdd or StuckOn is significant")),
        Claim("Saturation + L2 loses {loss} ± {h} points under OutputNoise",
              lambda: {"loss": fixed(-p.gain("saturation + L2", "OutputNoise")[0], 1),
                       "h": fixed(p.gain("saturation + L2", "OutputNoise")[1], 1)}),
        Claim("the loss is gone ({g} ± {h})", lambda: pm2("all terms", "OutputNoise"),
              requires=holds(insignificant("all terms", "OutputNoise"), "the gain is significant")),
        Claim("the baselines keep {low}–{high}% under the multiplicative kinds",
              lambda: {"low": f"{min(p.reference(k) for k in cheap):.0f}",
                       "high": f"{max(p.reference(k) for k in cheap):.0f}"}),
        fixed_text("uncompensated drift (t = 2·10⁵ s), 2-bit DAC (MNIST's inputs are nearly binary) and 4-bit ADC",
                   "the strengths of the matrix's Drift, DAC and ADC columns",
                   requires=holds((p.strength("Drift"), p.strength("DAC"), p.strength("ADC")) == (2e5, 2, 4),
                                  "the matrix's Drift, DAC or ADC strength changed")),
        Claim("protects against all three ({low} to {high})",
              lambda: {"low": signed(min(transfer)), "high": signed(max(transfer))}),
        Claim("Training under a 3-bit ADC protects most broadly ({prog} ProgAdd, {stuck} StuckOn, {cor} AddCor) "
              "at the largest clean cost ({g} ± {h})",
              lambda: {"prog": s("ADC 3 bits", "ProgAdd"), "stuck": s("ADC 3 bits", "StuckOn"),
                       "cor": s("ADC 3 bits", "AddCor"), **pm2("ADC 3 bits", "clean")},
              requires=holds(p.gain("ADC 3 bits", "clean")[0] == cleanest, "another group costs more clean accuracy")),
        Claim("drift-aware training protects against output noise ({g})", lambda: {"g": s("Drift 2e5 s", "OutputNoise")}),
    ]


def plan(study: Path) -> dict:
    """`noisesweep plan STUDY --json` of the program in NOISESWEEP_BIN, else build/noisesweep."""
    import json
    import os
    import subprocess
    program = os.environ.get("NOISESWEEP_BIN") or str(ROOT / "build" / "noisesweep")
    if not os.access(program, os.X_OK):
        raise SourceError(f"needs the program to plan {rel(study)}: set NOISESWEEP_BIN or build "
                          f"{rel(Path(program))}")
    done = subprocess.run([program, "plan", str(study), "--json"], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SourceError(f"{program} plan {rel(study)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


@prose("compare-builds")
def _(paths):
    """tests/perf/compare_builds.sh's output: [1] native, [2] portable, [3] x86-64-v3,
    [4] x86-64-v4, [5] native again."""
    source = one_source(paths, ".txt")
    text = source.read_text(encoding="utf-8")
    pairs = {(int(a), int(b)): (int(n), int(total)) for a, b, n, total in
             re.findall(r"\[(\d)\] vs \[(\d)\]: (\d+) of (\d+) result values differ", text)}
    builds = dict(re.findall(r"^\[(\d)\] (\S+):", text, re.M))
    expected = {"1": "build/noisesweep", "2": "build-portable/noisesweep",
                "3": "build/noisesweep-x86-64-v3", "4": "build-x86-64-v4/noisesweep", "5": "build/noisesweep"}
    if builds != expected or len(pairs) != 10:
        raise SourceError(f"{rel(source)}: expected the builds {expected}, found {builds}")
    differ = lambda a, b: str(pairs[(a, b)][0])
    return [
        Claim("counts the result values (accuracies, curves, noise arrays, statistics, weights: {total} in all)",
              lambda: {"total": str(pairs[(1, 2)][1])}),
        Claim("the portable build differs from the native one in {p} values, `x86-64-v3` in {v3} and "
              "`x86-64-v4` in {v4}; the same build run twice differs in {same}",
              lambda: {"p": differ(1, 2), "v3": differ(1, 3), "v4": differ(1, 4), "same": differ(1, 5)},
              requires=holds(pairs[(1, 5)][0] == 0, "the same build run twice differs")),
    ]


@prose("speed-findings")
def _(paths):
    source = one_source(paths, ".txt")
    text = source.read_text(encoding="utf-8")
    def number(pattern):
        found = re.findall(pattern, text)
        if not found:
            raise SourceError(f"{rel(source)}: nothing matches {pattern!r}")
        return [float(x) for x in found]
    train_peak = number(r"train, 1 epoch .*, (\d+)% of peak")[0]
    torch_train = number(r"torch train, 1 epoch +\d+ samples/s +([\d.]+) GFLOP/s")
    peak = number(r"FMA peak: ([\d.]+) GFLOP/s")[0]
    protocol = number(r"noisy eval, protocol ([\d.]+)x")
    goal = number(r"noisy eval, protocol [\d.]+x \(goal >= ([\d.]+)x")[0]
    training = number(r"training ([\d.]+)x \(goal")
    lines = [l for l in text.split("\n") if l.startswith("  all 8 products")]
    if len(lines) != 1:
        raise SourceError(f"{rel(source)}: no single 'all 8 products' row")
    engine_share = re.findall(r"(\d+)%", lines[0])[-1]  # the last column is the engine's
    return [
        Claim("Training runs at {peak}% of the core's FMA peak", lambda: {"peak": f"{train_peak:.0f}"}),
        Claim("noisy evaluation at {lo}-{hi}x PyTorch's naive passes, above the {goal}x goal in this run",
              lambda: {"lo": f"{min(protocol):.1f}", "hi": f"{max(protocol):.1f}", "goal": f"{goal:g}"},
              requires=holds(min(protocol) >= goal, "this run is below the noisy-evaluation goal")),
        Claim("Training at {goal}x PyTorch is not reached (at most {hi}x in this run)",
              lambda: {"goal": "2", "hi": f"{max(training):.1f}"},
              requires=holds(max(training) < 2, "training reaches 2x PyTorch")),
        Claim("the products run at {share}% of the peak", lambda: {"share": engine_share}),
        Claim("{goal}x PyTorch's rate would mean running the whole epoch at {need}% of the peak",
              lambda: {"goal": "2", "need": f"{200 * max(torch_train) / peak:.0f}"}),
    ]


@prose("eval-block-size")
def _(paths):
    """tests/perf/eval_block_size.sh: the default block size against blocks of 2000."""
    source = one_source(paths, ".txt")
    text = source.read_text(encoding="utf-8")
    ratios = dict(re.findall(r"^(\d+) +[\d.]+ +([\d.]+)x$", text, re.M))
    if "500" not in ratios or "identical" not in text:
        raise SourceError(f"{rel(source)}: not the output of tests/perf/eval_block_size.sh")
    return [
        Claim("Blocks of {size} samples, the default, take {ratio}x the time of blocks of {base}",
              lambda: {"size": "500", "ratio": ratios["500"], "base": "2000"},
              requires=holds(float(ratios["500"]) < 1, "blocks of 500 are not faster than blocks of 2000")),
    ]


@prose("bf16-findings")
def _(paths):
    """tests/perf/bf16_probe.py, tests/perf/noisy_eval_profile.sh and tests/perf/bf16_accuracy.py."""
    def source(stem):
        found = [p for p in paths if p.name.startswith(stem)]
        if len(found) != 1:
            raise SourceError(f"expects one {stem}*.txt among {' '.join(map(rel, paths))}")
        return found[0].read_text(encoding="utf-8")
    probe, profile, accuracy = source("bf16-probe"), source("noisy-eval-profile"), source("bf16-accuracy")
    def numbers(text, pattern):
        found = re.findall(pattern, text, re.M)
        if not found:
            raise SourceError(f"nothing matches {pattern!r}")
        return found
    engine, bf16, speedup = numbers(probe, r"^noisy block, both products: engine ([\d.]+), bf16\+cast ([\d.]+) GFLOP/s: ([\d.]+)x")[0]
    hidden = numbers(probe, r"^hidden 2 .*samples +([\d.]+) +[\d.]+ +[\d.]+ +[\d.]+ +([\d.]+) ")[0]
    shares = {k: (float(p), float(t)) for k, p, t in
              numbers(profile, r"^(\w+) +([\d.]+)% +[\d.]+% +[\d.]+% +([\d.]+)$")}
    total = sum(t for _, t in shares.values())
    in_products = sum(p / 100 * t for p, t in shares.values())
    bound = total / (total - in_products + in_products / float(speedup))
    unc = [shares[k][0] for k in ("AddUnc", "MulUnc")]
    cor = [shares[k][0] for k in ("AddCor", "MulCor")]
    largest = max(float(x) for x in numbers(accuracy, r"largest \|mean bf16 - mean fp32\| +([\d.]+) pp"))
    ratio = max(float(x) for x in numbers(accuracy, r"largest \|mean diff\| / spread +([\d.]+)"))
    within = len(numbers(accuracy, r"^  \w+: within the seeds' spread"))
    return [
        Claim("bf16 products ran at {bf16} GFLOP/s, {x}x the engine's float32 rate ({engine})",
              lambda: {"bf16": f"{float(bf16):.0f}", "x": f"{float(speedup):.1f}", "engine": f"{float(engine):.0f}"}),
        Claim("held to AVX-512 without them, the same product ran at {slow} GFLOP/s, {n}x slower than float32",
              lambda: {"slow": f"{float(hidden[1]):.0f}", "n": f"{float(hidden[0]) / float(hidden[1]):.1f}"}),
        Claim("The products take about {unc}% of the time of the uncorrelated kinds and {cor}% of the correlated ones",
              lambda: {"unc": f"{sum(unc) / 2:.0f}", "cor": f"{sum(cor) / 2:.0f}"}),
        Claim("the whole protocol would run at most {bound}x faster", lambda: {"bound": f"{bound:.2f}"}),
        Claim("the paired mean accuracies of bf16 and float32 differ by at most {pp} percentage points, {r} of the seeds' spread at most",
              lambda: {"pp": f"{largest:.2f}", "r": f"{ratio:.2f}"},
              requires=holds(within == 4, "not every kind is within the seeds' spread")),
    ]


@prose("depth-plan")
def _(paths):
    study = one_source(paths, ".toml")
    p = plan(study)
    baseline = [t["axes"] for t in p["tasks"] if t["stage"] == p["stages"][0]["name"]]
    networks = {tuple(int(w) for w in a["model.hidden"].strip("[]").split(",")) for a in baseline}
    widths = {w for n in networks for w in n}
    depths = sorted(len(n) for n in networks)
    seeds = {a["seed"] for a in baseline}
    if len(widths) != 1 or len(depths) != 4:
        raise SourceError(f"{rel(study)}: the text names one width and four depths, the plan has "
                          f"widths {sorted(widths)} and depths {depths}")
    return [Claim("networks of width {width} with {a}, {b}, {c} and {d} hidden layers",
                  lambda: {"width": str(widths.pop()), "a": str(depths[0]), "b": str(depths[1]),
                           "c": str(depths[2]), "d": str(depths[3])}),
            Claim("({seeds} seeds)", lambda: {"seeds": str(len(seeds))}),
            Claim("{tasks} tasks, about {hours} core-hours at {gflops} GFLOP/s (`noisesweep plan`)",
                  lambda: {"tasks": str(p["total"]["tasks"]),
                           "hours": f"{p['total']['core_seconds'] / 3600:.1f}",
                           "gflops": f"{p['gflops_per_core']:g}"})]


class Depth:
    """analysis/results/depth/report.csv: groups by data set, hidden-layer count and method. With
    one hidden layer the only receiving layer is the output, so the uncorrelated-noise method is
    L2 alone (stage regularised-1) where deeper networks have saturation + L2 (regularised)."""

    DATA = [("mnist", "MNIST"), ("fashion", "Fashion")]

    def __init__(self, paths: list[Path]):
        self.report = Report(one_source(paths, "report.csv"))

    @staticmethod
    def layers(row: dict[str, str]) -> int:
        """Stage regularised-1 does not sweep model.hidden (its rows leave it empty): one layer."""
        return len(row["model.hidden"].strip("[]").split(","))

    def depths(self) -> list[int]:
        return sorted({self.layers(r) for r in self.report.rows})

    def row(self, data: str, layers: int, method: str = "") -> dict[str, str]:
        """method "": the baseline; "row sums", "uncorrelated" (saturation + L2, or L2 with one
        hidden layer), "all terms"."""
        stage = "baseline" if not method else "regularised-1" if layers == 1 else "regularised"
        label = {"": "", "uncorrelated": "L2" if layers == 1 else "saturation + L2"}.get(method, method)
        found = [r for r in self.report.rows if r["stage"] == stage and r["label"] == label
                 and r["data.name"] == data and self.layers(r) == layers]
        if len(found) != 1:
            raise SourceError(f"{rel(self.report.path)}: {len(found)} rows for {data}, {layers} "
                              f"hidden layers, {method or 'baseline'} (expected 1)")
        return found[0]

    def acc(self, data: str, layers: int, metric: str, method: str = "") -> float:
        return self.report.mean(self.row(data, layers, method), metric)

    def gain(self, data: str, layers: int, metric: str, method: str) -> tuple[float, float]:
        row = self.row(data, layers, method)
        return self.report.mean(row, f"gain_{metric}"), self.report.half_width(row, f"gain_{metric}")


@renderer("table", "depth-activation-noise")
def _(paths, _lines):
    d = Depth(paths)
    header = ["data", "hidden layers", "clean", "AddUnc 1", "Δ saturation + L2", "Δ all terms",
              "AddCor 1", "Δ row sums", "Δ all terms"]
    rows = []
    for data, name in Depth.DATA:
        for layers in d.depths():
            g = lambda metric, method: gain(*d.gain(data, layers, metric, method), minus="-")
            uncorrelated = g("AddUnc@1", "uncorrelated") + (" (L2)" if layers == 1 else "")
            rows.append([name, str(layers), f"{d.acc(data, layers, 'clean'):.1f}",
                         f"{d.acc(data, layers, 'AddUnc@1'):.1f}", uncorrelated,
                         g("AddUnc@1", "all terms"), f"{d.acc(data, layers, 'AddCor@1'):.1f}",
                         g("AddCor@1", "row sums"), g("AddCor@1", "all terms")])
    return table_lines(header, ["---", "---:"] + ["---:"] * 7, rows)


DEPTH_HARDWARE = [("MulUnc@1", "MulUnc 1"), ("ProgAdd@0.5", "ProgAdd 0.5"),
                  ("ReadAdd@0.5", "ReadAdd 0.5"), ("DAC@1", "DAC 1 bit"), ("ADC@2", "ADC 2 bits"),
                  ("Drift@2e+07", "Drift 2·10⁷ s"), ("OutputNoise@1", "OutputNoise 1")]


@renderer("table", "depth-hardware")
def _(paths, _lines):
    d = Depth(paths)
    header = ["data", "hidden layers"] + [name for _, name in DEPTH_HARDWARE]
    rows = []
    for data, name in Depth.DATA:
        for layers in d.depths():
            rows.append([name, str(layers)] + [
                f"{d.acc(data, layers, m):.1f} → {d.acc(data, layers, m, 'uncorrelated'):.1f}"
                for m, _ in DEPTH_HARDWARE])
    return table_lines(header, ["---", "---:"] + ["---:"] * len(DEPTH_HARDWARE), rows)


@prose("depth-findings")
def _(paths):
    d = Depth(paths)
    if len(d.depths()) != 4 or d.depths()[0] != 1:
        raise SourceError(f"{rel(d.report.path)}: the text names 1 and three more depths, the report has "
                          f"{d.depths()}")
    two, four, six = d.depths()[1:]
    def acc(data, layers, metric, method=""):
        return fixed(d.acc(data, layers, metric, method), 1)
    def g(data, layers, metric, method):
        return signed(d.gain(data, layers, metric, method)[0])
    def exact(data, layers):  # row sums keep the clean accuracy under AddCor at variance 1
        return abs(d.acc(data, layers, "AddCor@1", "row sums") - d.acc(data, layers, "clean", "row sums")) < 0.05
    def unc_gain(data, layers):
        return d.gain(data, layers, "AddUnc@1", "uncorrelated")[0]
    grows = all(unc_gain(data, four) > unc_gain(data, two) for data, _ in Depth.DATA)
    falls = all(unc_gain(data, six) < unc_gain(data, four) for data, _ in Depth.DATA)
    spread = lambda data, layers, method: d.report.std(d.row(data, layers, method), "clean")
    return [
        Claim("MNIST baseline keeps {a}%, {b}%, {c}% and {e}% under AddUnc at variance 1",
              lambda: {"a": acc("mnist", 1, "AddUnc@1"), "b": acc("mnist", two, "AddUnc@1"),
                       "c": acc("mnist", four, "AddUnc@1"), "e": acc("mnist", six, "AddUnc@1")}),
        Claim("and {a}%, {b}%, {c}% and {e}% under AddCor", lambda: {
            "a": acc("mnist", 1, "AddCor@1"), "b": acc("mnist", two, "AddCor@1"),
            "c": acc("mnist", four, "AddCor@1"), "e": acc("mnist", six, "AddCor@1")}),
        fixed_text("with 1, 2, 4 and 6 hidden layers", "the study's depths",
                   requires=holds(d.depths() == [1, 2, 4, 6], "the study's depths changed")),
        Claim("while clean accuracy stays within {spread} points", lambda: {"spread": fixed(
            max(d.acc("mnist", n, "clean") for n in d.depths()) - min(d.acc("mnist", n, "clean") for n in d.depths()), 1)}),
        fixed_text("The row-sum term cancels AddCor exactly at every depth",
                   "every row-sum group's accuracy under AddCor at variance 1 equals its clean accuracy",
                   requires=holds(all(exact(data, n) for data, _ in Depth.DATA for n in d.depths()),
                                  "a row-sum group loses accuracy under AddCor")),
        Claim("gains {a}, {b} and {c} points on MNIST with 2, 4 and 6 hidden layers",
              lambda: {"a": g("mnist", two, "AddCor@1", "row sums"), "b": g("mnist", four, "AddCor@1", "row sums"),
                       "c": g("mnist", six, "AddCor@1", "row sums")}),
        Claim("with 6 hidden layers, {clean} in clean accuracy, {mulunc} under MulUnc and {addunc} under AddUnc",
              lambda: {"clean": signed(d.acc("mnist", six, "clean", "row sums") - d.acc("mnist", six, "clean")),
                       "mulunc": g("mnist", six, "MulUnc@1", "row sums"), "addunc": g("mnist", six, "AddUnc@1", "row sums")}),
        Claim("Saturation + L2 gains more under AddUnc from 2 to 4 hidden layers ({m2} to {m4} points on "
              "MNIST, {f2} to {f4} on Fashion-MNIST) and less again with 6 ({m6} and {f6})",
              lambda: {"m2": g("mnist", two, "AddUnc@1", "uncorrelated"), "m4": g("mnist", four, "AddUnc@1", "uncorrelated"),
                       "f2": g("fashion", two, "AddUnc@1", "uncorrelated"), "f4": g("fashion", four, "AddUnc@1", "uncorrelated"),
                       "m6": g("mnist", six, "AddUnc@1", "uncorrelated"), "f6": g("fashion", six, "AddUnc@1", "uncorrelated")},
              requires=holds(grows and falls, "the gain no longer grows from 2 to 4 hidden layers and falls at 6")),
        Claim("the deeper networks end lower ({m2}%, {m4}% and {m6}% on MNIST)",
              lambda: {"m2": acc("mnist", two, "AddUnc@1", "uncorrelated"), "m4": acc("mnist", four, "AddUnc@1", "uncorrelated"),
                       "m6": acc("mnist", six, "AddUnc@1", "uncorrelated")}),
        Claim("With 6 hidden layers it recovers much of what depth costs under MulUnc ({mu}), DAC ({dac}) "
              "and Drift ({drift} on MNIST)",
              lambda: {"mu": g("mnist", six, "MulUnc@1", "uncorrelated"), "dac": g("mnist", six, "DAC@1", "uncorrelated"),
                       "drift": g("mnist", six, "Drift@2e+07", "uncorrelated")}),
        Claim("on Fashion-MNIST the same weights make fine-tuning unstable: clean accuracy averages "
              "{clean}% with a standard deviation of {sd} points over the seeds (the baseline: {base}%, {base_sd})",
              lambda: {"clean": acc("fashion", six, "clean", "uncorrelated"),
                       "sd": fixed(spread("fashion", six, "uncorrelated"), 1),
                       "base": acc("fashion", six, "clean"), "base_sd": fixed(spread("fashion", six, ""), 1)},
              requires=holds(spread("fashion", six, "uncorrelated") > 10 * spread("fashion", six, ""),
                             "the regularised 6-layer Fashion-MNIST models no longer spread widely")),
        Claim("With one hidden layer, L2 on the output alone gains {addunc} under AddUnc and {prog} under ProgAdd",
              lambda: {"addunc": g("mnist", 1, "AddUnc@1", "uncorrelated"), "prog": g("mnist", 1, "ProgAdd@0.5", "uncorrelated")}),
        Claim("The combined weights (\"all terms\") keep the row-sum protection but lose most of the AddUnc gain "
              "at depth ({m2}, {m4} and {m6} on MNIST)",
              lambda: {"m2": g("mnist", two, "AddUnc@1", "all terms"), "m4": g("mnist", four, "AddUnc@1", "all terms"),
                       "m6": g("mnist", six, "AddUnc@1", "all terms")},
              requires=holds(all(abs(d.acc(data, n, "AddCor@1", "all terms") - d.acc(data, n, "clean", "all terms")) < 0.15
                                 for data, _ in Depth.DATA for n in d.depths()[1:])
                             and d.gain("mnist", six, "AddUnc@1", "all terms")[0]
                             < 0.5 * d.gain("mnist", six, "AddUnc@1", "uncorrelated")[0],
                             "all terms lose under AddCor, or keep more than half of the AddUnc gain")),
    ]


# --- Checking and writing -----------------------------------------------------------------------

@dataclass
class Rendering:
    lines: list[str]                                    # what the block must say
    problems: list[str] = field(default_factory=list)   # what prevents or goes beyond rendering
    changes: list[tuple] = field(default_factory=list)  # prose: (field, template, README's, source's)


def render(block: Block) -> Rendering:
    if block.name not in RENDERERS:
        return Rendering(block.lines, [f"{block.where()}: no renderer {block.name!r} in analysis/readme_tables.py"])
    kind, f = RENDERERS[block.name]
    if kind != block.kind:
        return Rendering(block.lines, [f"{block.where()}: {block.name!r} renders a {kind}, not a {block.kind}"])
    paths = [ROOT / s for s in block.sources]
    missing = [s for s in block.sources if not (ROOT / s).is_file()]
    if missing:
        return Rendering(block.lines, [f"{block.where()}: source file {', '.join(missing)} missing"])
    try:
        if kind == "numbers":
            lines, problems, changes = check_prose(block.name, block.lines, PROSE[block.name](paths))
            return Rendering(lines, [f"{block.where()}: {p}" for p in problems], changes)
        return Rendering(f(paths, block.lines))
    except SourceError as e:
        return Rendering(block.lines, [f"{block.where()}: {e}"])


def differences(block: Block, rendering: Rendering) -> list[str]:
    """What differs between the README's block and its rendering: cell by cell for tables,
    number by number for prose, line by line for excerpts."""
    expected = rendering.lines
    source = " and ".join(block.sources) + (" gives" if len(block.sources) == 1 else " give")
    if block.lines == expected:
        return []
    if block.kind == "numbers":
        return [f"{block.where()}: the number {{{key}}} of {template!r}: README has {old!r}, "
                f"{source} {new!r}" for key, template, old, new in rendering.changes] or \
               [f"{block.where()}: differs from {' and '.join(block.sources)}"]
    if block.kind == "table":
        have = [split_row(l) for l in block.lines]
        want = [split_row(l) for l in expected]
        out = []
        if len(have) != len(want):
            out.append(f"{block.where()}: README has {len(have) - 2} rows, {source} {len(want) - 2}")
        header = want[0] if want else []
        for i, (h, w) in enumerate(zip(have, want)):
            if h == w:
                continue
            if len(h) != len(w):
                out.append(f"{block.where()}: row {i - 1} {h[0]!r} has {len(h)} cells, {source} {len(w)}")
                continue
            for j, (a, b) in enumerate(zip(h, w)):
                if a != b:
                    where = "header" if i == 0 else "alignment row" if i == 1 else f"row {w[0]!r}"
                    column = header[j] if j < len(header) and header[j] else f"column {j + 1}"
                    out.append(f"{block.where()}: {where}, column {column!r}: README has {a!r}, "
                               f"{source} {b!r}")
        return out or [f"{block.where()}: differs from {' and '.join(block.sources)} in spacing"]
    out = []
    for i in range(max(len(block.lines), len(expected))):
        a = block.lines[i] if i < len(block.lines) else None
        b = expected[i] if i < len(expected) else None
        if a != b:
            out.append(f"{block.where()}, line {i + 1} of the block: README has {a!r}, {source} {b!r}")
    return out


def block_problems(block: Block) -> list[str]:
    """Everything wrong with one marked block: its rendering's problems and its differences."""
    rendering = render(block)
    return rendering.problems + differences(block, rendering)


def unsourced_tables(tables: list[Table]) -> list[str]:
    return [f"the table under {t.heading!r} (README.md line {t.start + 1}) is in the result section "
            f"{t.section!r} but has no source comment (<!-- table NAME: PATH -->) above it"
            for t in tables if t.section in RESULT_SECTIONS and t.marker is None]


def check(text: str) -> list[str]:
    """Every problem of a README text: unsourced result tables, blocks that their sources
    contradict, renderers unused or used twice."""
    blocks, tables, problems = scan(text)
    problems = list(problems)
    headings = [l for l in text.split("\n") if l.startswith("## ")]
    problems += [f"README.md has no section {s!r} (RESULT_SECTIONS in analysis/readme_tables.py)"
                 for s in RESULT_SECTIONS if s not in headings]
    problems += unsourced_tables(tables)
    for block in blocks:
        problems += block_problems(block)
    names = [b.name for b in blocks]
    problems += [f"the renderer {n!r} is used {names.count(n)} times in README.md, not once"
                 for n in RENDERERS if names.count(n) != 1]
    return problems


def write(text: str) -> tuple[str, list[str]]:
    """The README text with every block rendered from its source, and what could not be."""
    blocks, _, problems = scan(text)
    lines = text.split("\n")
    problems = list(problems)
    for block in sorted(blocks, key=lambda b: b.start, reverse=True):
        rendering = render(block)
        problems += rendering.problems
        lines[block.start:block.end] = rendering.lines
    return "\n".join(lines), problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="report what differs from the sources; exit 1 if anything")
    mode.add_argument("--write", action="store_true", help="rewrite the marked blocks of README.md from their sources")
    parser.add_argument("--readme", type=Path, default=README, help="the README (default: README.md)")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    if args.write:
        new, problems = write(text)
        if new != text:
            args.readme.write_text(new, encoding="utf-8")
            print(f"readme_tables: rewrote {rel(args.readme)} from the sources")
        problems += check(new)
    else:
        problems = check(text)
    for p in problems:
        print(f"readme_tables: {p}", file=sys.stderr)
    if not problems:
        blocks = scan(text)[0]
        print(f"readme_tables: {len(blocks)} blocks of {rel(args.readme)} agree with their sources")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
