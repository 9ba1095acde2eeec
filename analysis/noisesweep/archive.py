"""Study archives (`noisesweep run STUDY.toml -o ARCHIVE.h5`) as tidy pandas DataFrames.

    from noisesweep import archive
    a = archive.load("runs/small.h5")
    a.tasks        # one row per task: task, stage, status, label, seed, parent, every swept key
    a.noise        # one row per task x kind x level x repetition: accuracy under noise
    a.curves       # one row per task x epoch: loss, cross_entropy, train/validation accuracy
    a.layer_stats  # one row per task x layer x neuron: row_mean, row_std of W's row
    a.histograms   # one row per task x histogram x bin (weights, biases, pre-activations, inputs)
    a.summary      # one row per task: format 2's /summary table (ids, swept values, accuracies)

Each table is also read alone: archive.tasks(path), archive.noise(path), ... All tables join
on the column `task` (the task id). The archive's layout is documented in README ("The
archive") and framework/archive/archive.hpp.

Two layouts are read:
  format 3, what noisesweep writes: column tables that grow in place (/tasks, /curves, /noise,
    /layers, /hidden, /models, /weights, /runs), of which only the rows that the last valid
    row of /commits counts exist. read_table() reads one table; StudyTables holds the counted
    rows of a whole archive, and the DataFrames are built from its columns at once, without a
    loop over the tasks (an archive may hold 100,000).
  formats 1 and 2: a group per task under /tasks/<id> (and in format 2 a /summary table), read
    group by group with read_noise, read_curve, task_parent, ...
For one task at a time, whatever the format, task_views() gives a TaskView per task:
analysis/figures/archive.py builds its figure objects from them, so the figures and these
tables read the archive with the same code and fail on a bad file with the same one-line
message (ArchiveError, which always names the file). pandas is imported only by the functions
that build DataFrames.
"""
from __future__ import annotations

import os
import re
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import h5py
import numpy as np

FORMAT = "noisesweep-archive"
# 1: before tasks/<id>/stats (read here, without statistics; the program itself no longer
# reads it); 2: a group per task; 3: column tables. Any other version has a layout this reader
# does not know.
FORMAT_VERSIONS = (1, 2, 3)
TABLES_VERSION = 3  # the first format_version that stores tasks as rows of column tables
SEED_KEY = "seed"
LABEL_KEY = "label"  # a variant's name (study file: label = "..."), stored as a swept key
# The swept seed (a replicate number, or the listed seed) beside the task's actual `seed`, as
# the archive's /summary names it.
SWEPT_SEED_COLUMN = "axis:seed"
_INIT_FROM = re.compile(r'^\s*train\.init_from\s*=\s*"task:([0-9a-f]+)"', re.MULTILINE)
CURVE_METRICS = ("loss", "cross_entropy", "train_accuracy", "validation_accuracy", "seconds")

# Format 3 (framework/archive/record_tables.cpp declares the tables, io/h5_table.hpp the
# convention): the task table's column of swept key KEY is "axis:KEY"; a ragged column NAME
# ends its rows where NAME_end says; /commits holds each table's committed row count per
# checkpoint, and `sequence`.
AXIS_PREFIX = "axis:"
RAGGED_END = "_end"
COMMITS = "commits"
SEQUENCE = "sequence"
DONE = "done"
# The columns this reader uses of each child table (the tables whose rows name their task by
# task_row), and which columns are ragged.
CHILD_COLUMNS = {
    "curves": ("task_row", "epoch", "loss", "cross_entropy", "train_accuracy", "validation_accuracy",
               "seconds"),
    "noise": ("task_row", "kind", "levels", "accuracy"),
    "layers": ("task_row", "layer", "row_mean", "row_std", "weight_hist_edges", "weight_hist_counts",
               "bias_hist_edges", "bias_hist_counts"),
    "hidden": ("task_row", "layer", "preactivation_hist_edges", "preactivation_hist_counts",
               "input_hist_edges", "input_hist_counts"),
    "models": ("task_row", "activation", "noise_placement", "settings"),
    "weights": ("task_row", "layer", "rows", "cols", "W", "b"),
}
RAGGED_COLUMNS = frozenset({"levels", "accuracy", "row_mean", "row_std", "W", "b"} |
                           {f"{q}_hist_{part}" for q in ("weight", "bias", "preactivation", "input")
                            for part in ("edges", "counts")})

# noisesweep's registry of noise kinds (framework/nonideality/registry.cpp), in its order: the
# order of the summary's accuracy columns. For bit counts fewer bits are harsher; for every
# other kind a larger level is.
KINDS = ("AddUnc", "AddCor", "MulUnc", "MulCor", "ProgAdd", "ProgMul", "StuckOff", "StuckOn",
         "Drift", "DAC", "ReadAdd", "ReadMul", "ADC", "OutputNoise")
LOWER_IS_HARSHER = frozenset({"DAC", "ADC"})


class ArchiveError(Exception):
    """A file that is not a readable noisesweep archive. The message is one line that starts
    with the file's path and says what is wrong, e.g. `runs/x.h5: not a noisesweep study
    archive (...)`, so that callers print it as it is."""


def malformed(path, what):
    """The ArchiveError of a file that is an archive but holds something it should not."""
    return ArchiveError(f"{path}: malformed archive: {what}")


# --- Low-level readers, shared with analysis/figures/archive.py --------------------------------

def text(value):
    """A stored string as str: h5py returns bytes for fixed-length strings and str for
    variable-length ones, and the archive has both."""
    return value.decode() if isinstance(value, bytes) else str(value)


def plain(value):
    """An attribute's value as plain Python (str, int, float, list of str), so that tables and
    dicts built from it print and compare without numpy or bytes."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def toml_value(toml_text):
    """A swept value, stored as TOML text, as a Python value: '0.01' -> 0.01, '"all terms"' ->
    'all terms', '[1, 30]' -> (1, 30). Lists become tuples so that a column of them can be
    grouped by. Text that is not a TOML value is returned as it is."""
    try:
        value = tomllib.loads("v = " + toml_text)["v"]
    except tomllib.TOMLDecodeError:
        return toml_text

    def frozen(v):
        return tuple(frozen(x) for x in v) if isinstance(v, list) else v
    return frozen(value)


def open_hdf5(path, error=ArchiveError, what="an archive file"):
    """The HDF5 file at `path`, read-only; a missing file, a folder or a file of another kind
    raises `error` with one line that names the path. Shared by every reader of the package.

    A file that a writer holds open (a checkpoint under way, or a writer killed in one) is
    refused by a plain open ("file is already open for write"); it is then opened as a
    single-writer/multiple-reader reader, which sees it consistently (noisesweep writes its
    archives in that mode)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise error(f"{path}: no such file")
    if os.path.isdir(path):
        raise error(f"{path}: a folder, not {what}")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        plain_error = e
    try:
        return h5py.File(path, "r", swmr=True)
    except OSError as e:
        if "open for write" in str(plain_error):
            raise error(f"{path}: open for writing, and not readable while it is ({e})") from None
        raise error(f"{path}: not an HDF5 file ({plain_error})") from None


@contextmanager
def open_archive(path):
    """Opens the archive read-only after checking that it is one, of a version this reader
    knows; raises ArchiveError otherwise. Yields the h5py.File."""
    with open_hdf5(path) as f:
        check_format(os.fspath(path), f)
        yield f


def check_format(path, f):
    """The root attributes that make a file an archive this reader understands; returns its
    format_version."""
    found = text(f.attrs.get("format", ""))
    if found != FORMAT:
        what = (f"format is '{found}'" if found else f"no format = '{FORMAT}' attribute")
        hint = "; a weights file: read it with noisesweep.torch_io" if found == "noisesweep-weights" else ""
        raise ArchiveError(f"{path}: not a noisesweep study archive ({what}){hint}")
    if "format_version" not in f.attrs:
        raise malformed(path, "no format_version attribute")
    try:
        version = int(f.attrs["format_version"])
    except (TypeError, ValueError):
        raise malformed(path, f"format_version {plain(f.attrs['format_version'])!r} is not a "
                              f"number") from None
    if version not in FORMAT_VERSIONS:
        raise ArchiveError(f"{path}: unsupported archive format_version {version} (this reader knows "
                           f"versions {', '.join(map(str, FORMAT_VERSIONS))}); a newer noisesweep may "
                           f"have written it: update analysis/noisesweep")
    if "tasks" not in f:
        raise malformed(path, "no /tasks group")
    if version >= TABLES_VERSION and COMMITS not in f:
        raise malformed(path, f"no /{COMMITS} table")
    return version


def format_version(f):
    """The format_version of an archive that check_format accepted."""
    return int(f.attrs["format_version"])


def swept_keys(f):
    """The study's swept keys, in order (root attribute axis_keys)."""
    return [text(k) for k in f.attrs.get("axis_keys", [])]


@contextmanager
def reading_task(path, tid):
    """Turns the errors of reading one task (a missing object, a wrong shape) into an
    ArchiveError naming the file and the task."""
    try:
        yield
    except (KeyError, ValueError, TypeError, OSError) as e:
        raise malformed(path, f"task {tid}: {e}") from None


# --- Formats 1 and 2: a group per task ---------------------------------------------------------

def task_groups(f, path=None):
    """(id, h5py.Group) of every task, in the study's order (attribute `index`): HDF5 lists
    them by name, which is a hash."""
    path = path or f.filename
    indexed = []
    for tid, g in f["tasks"].items():
        with reading_task(path, tid):
            indexed.append((int(g.attrs["index"]), tid, g))
    return [(tid, g) for _, tid, g in sorted(indexed, key=lambda t: (t[0], t[1]))]


def task_parent(g):
    """Id of the task `g` was fine-tuned from, or None. Read from the attribute `parent`
    ("" for none) when the archive has it; archives from before it name the parent only in
    the settings text, as `train.init_from = "task:ID"`."""
    if "parent" in g.attrs:
        return text(g.attrs["parent"]) or None
    found = _INIT_FROM.search(text(g.attrs.get("settings", "")))
    return found.group(1) if found else None


def read_axes(g):
    """Swept key -> value as TOML text, the seed included."""
    return {k: text(v) for k, v in g["axes"].attrs.items()}


def read_noise(g):
    """kind -> (levels, accuracy) from noise/{kinds,levels,accuracy}: levels 1-D, accuracy
    levels x repetitions (fractions), in the archive's order of kinds. Either stored layout is
    read: levels 1-D when every kind shares them (archives from before nonidealities, and
    studies of the paper's kinds alone), else (kinds, L) with each kind's row padded with NaN
    after its last level, and accuracy padded alike. The padding is dropped here, so that no
    caller ever meets it. A task without noise results (one that failed) gives {}."""
    if "noise" not in g or "kinds" not in g["noise"]:
        return {}
    n = g["noise"]
    kinds = [text(k) for k in n["kinds"][()]]
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"noise/kinds names a kind twice: {', '.join(kinds)}")
    levels = np.asarray(n["levels"][()], dtype=float)
    accuracy = np.asarray(n["accuracy"][()], dtype=float)
    if not kinds and accuracy.size == 0:
        return {}
    if accuracy.ndim != 3 or accuracy.shape[0] != len(kinds):
        raise ValueError(f"noise/accuracy has shape {accuracy.shape}; expected ({len(kinds)} kinds, "
                         f"levels, repetitions)")
    if levels.ndim == 1:
        levels = np.broadcast_to(levels, (len(kinds), levels.size))
    if levels.shape != accuracy.shape[:2]:
        raise ValueError(f"noise/levels has shape {levels.shape}, which does not match noise/accuracy "
                         f"{accuracy.shape}")
    noise = {}
    for k, kind in enumerate(kinds):
        stored = np.isfinite(levels[k])
        noise[kind] = (levels[k][stored].copy(), accuracy[k][stored])
    return noise


def read_curve(g):
    """name -> float64 array per epoch: curve/{epoch, loss, cross_entropy, train_accuracy,
    validation_accuracy, seconds} as stored."""
    if "curve" not in g:
        return {}
    return {k: np.asarray(v[()], dtype=float) for k, v in g["curve"].items()}


def _numbered(g):
    """Children named 0, 1, ... in numeric order (as text "10" sorts before "2")."""
    return [g[str(i)] for i in range(len(g))]


def _histogram(g, name):
    """(edges, counts) as stored: equal-width bins, edges one longer than counts."""
    return (np.asarray(g[name + "_hist_edges"][()], dtype=float),
            np.asarray(g[name + "_hist_counts"][()], dtype=float))


def read_layer_stats(g):
    """Per layer l (output included), a dict: row_mean, row_std (per row of W_l, i.e. per
    neuron) and the (edges, counts) histograms `weight` and `bias`. [] when the task has no
    stats/ (a failed task, or a format_version 1 archive)."""
    if "stats" not in g:
        return []
    return [{"row_mean": np.asarray(l["row_mean"][()], dtype=float),
             "row_std": np.asarray(l["row_std"][()], dtype=float),
             "weight": _histogram(l, "weight"), "bias": _histogram(l, "bias")}
            for l in _numbered(g["stats/layers"])]


def read_hidden_stats(g):
    """Per hidden layer h, a dict of (edges, counts) histograms over the clean test set:
    `preactivation` (z_h) and `input` (x_h). [] when the task has no stats/."""
    if "stats" not in g:
        return []
    return [{"preactivation": _histogram(h, "preactivation"), "input": _histogram(h, "input")}
            for h in _numbered(g["stats/hidden"])]


# --- Format 3: column tables -------------------------------------------------------------------

@dataclass
class Ragged:
    """A ragged column's rows: every row's values one after another, and where each row ends
    (row i is values[ends[i - 1]:ends[i]], with ends[-1] = 0)."""
    values: np.ndarray
    ends: np.ndarray  # int64, one per row

    def __len__(self):
        return len(self.ends)

    @property
    def starts(self):
        return np.concatenate(([0], self.ends[:-1])).astype(np.int64)

    @property
    def lengths(self):
        return self.ends - self.starts

    @cached_property
    def _spans(self):
        """Each row's (start, end) as Python ints, which slice fastest when rows are read one
        at a time."""
        return list(zip(self.starts.tolist(), self.ends.tolist()))

    def row(self, i):
        start, end = self._spans[i]
        return self.values[start:end]

    def rows(self):
        """Every row's values, an array each."""
        return np.split(self.values, self.ends[:-1]) if len(self) else []

    def take(self, rows):
        """The given rows, in that order."""
        starts, lengths = self.starts[rows], self.lengths[rows]
        return Ragged(self.values[_spans(starts, lengths)], np.cumsum(lengths, dtype=np.int64))


def _offsets(lengths):
    """For consecutive spans of the given lengths, each element's offset within its span."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _owners(lengths):
    """For consecutive spans of the given lengths, the span each element belongs to."""
    return np.repeat(np.arange(len(lengths)), lengths)


def _spans(starts, lengths):
    """Indices of the elements of the spans [start, start + length), one span after another."""
    return np.repeat(np.asarray(starts, dtype=np.int64), lengths) + _offsets(lengths)


@dataclass
class Table:
    """Rows of one table: column name -> values, in the table's column order. A column is a
    1-D numpy array (strings as str objects), a ragged one a Ragged."""
    name: str
    columns: dict
    rows: int

    def __len__(self):
        return self.rows

    def __getitem__(self, column):
        return self.columns[column]

    def take(self, rows):
        """The given rows (an index array), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        return Table(self.name, {c: v.take(rows) if isinstance(v, Ragged) else v[rows]
                                 for c, v in self.columns.items()}, len(rows))

    def frame(self):
        """A pandas DataFrame: a column per column, a ragged column's entries arrays."""
        return _frame({c: _object_column(v.rows()) if isinstance(v, Ragged) else v
                       for c, v in self.columns.items()}, columns=list(self.columns))


def _object_column(items):
    """An object array holding `items` as they are (numpy would make arrays of arrays 2-D)."""
    column = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        column[i] = item
    return column


def _as_float(values):
    """A numeric column (or Ragged) as float64; strings as they are."""
    if isinstance(values, Ragged):
        return Ragged(_as_float(values.values), values.ends)
    return values if values.dtype == object else values.astype(float)


def _table_group(f, name, path):
    if name not in f or not isinstance(f[name], h5py.Group):
        raise malformed(path, f"no /{name} table")
    group = f[name]
    if "columns" not in group.attrs:
        raise malformed(path, f"/{name}: no 'columns' attribute")
    return group


def _per_row(group, column):
    """The dataset with one entry per row: NAME_end of a ragged column, else NAME."""
    return group[column + RAGGED_END] if column + RAGGED_END in group else group[column]


def _stored_rows(group, columns):
    """The rows every listed column holds, committed or not."""
    return min((len(_per_row(group, c)) for c in columns), default=0)


def _values(dataset, count):
    """The first `count` entries of a 1-D dataset; strings as an object array of str."""
    if h5py.check_string_dtype(dataset.dtype) is not None:
        return dataset.asstr()[:count]
    return dataset[:count]


def _read_column(group, column, rows, path):
    where = f"{group.name}/{column}"
    if column not in group or not isinstance(group[column], h5py.Dataset):
        raise malformed(path, f"{where}: listed in 'columns' but missing")
    dataset = group[column]
    if dataset.ndim != 1:
        raise malformed(path, f"{where}: {dataset.ndim}-D; a table column is 1-D")
    per_row = _per_row(group, column)
    if len(per_row) < rows:
        raise malformed(path, f"{per_row.name}: has {len(per_row)} rows; the file says {rows} count")
    if column + RAGGED_END not in group:
        return _values(dataset, rows)
    ends = per_row[:rows].astype(np.int64)
    if rows and (ends[0] < 0 or np.any(np.diff(ends) < 0)):
        raise malformed(path, f"{per_row.name}: row ends decrease")
    count = int(ends[-1]) if rows else 0
    if len(dataset) < count:
        raise malformed(path, f"{where}: has {len(dataset)} values; its rows end at {count}")
    return Ragged(_values(dataset, count), ends)


def read_table(f, name, rows=None, columns=None, path=None):
    """Table `name` of an open file of column tables (framework/io/h5_table.hpp): its first
    `rows` rows (None: every row that all its columns hold), of the columns named (None: every
    one the group's attribute `columns` lists, in that order). Rows past `rows`, which a writer
    cut short may have left, are never read. Raises ArchiveError naming the file and column for
    a missing column or one shorter than `rows`."""
    path = path or f.filename
    group = _table_group(f, name, path)
    listed = [text(c) for c in group.attrs["columns"]]
    wanted = listed if columns is None else list(columns)
    unknown = [c for c in wanted if c not in listed]
    if unknown:
        raise malformed(path, f"/{name}: no column {', '.join(map(repr, unknown))}")
    if rows is None:
        rows = _stored_rows(group, listed)
    return Table(name, {c: _read_column(group, c, rows, path) for c in wanted}, rows)


def committed_rows(f, path=None):
    """Each table's committed row count (a dict by table name): the counts in the last row i of
    /commits whose sequence is i + 1. Later rows of /commits, and rows of any table past its
    count, were written by a checkpoint that did not finish; before the first commit every
    table counts 0 rows."""
    path = path or f.filename
    commits = read_table(f, COMMITS, path=path)
    if SEQUENCE not in commits.columns:
        raise malformed(path, f"/{COMMITS}: no column '{SEQUENCE}'")
    sequence = commits[SEQUENCE]
    valid = np.flatnonzero(sequence == np.arange(1, len(sequence) + 1))
    names = [c for c in commits.columns if c != SEQUENCE]
    if not valid.size:
        return dict.fromkeys(names, 0)
    return {c: int(commits[c][valid[-1]]) for c in names}


def counted_task_rows(ids, statuses, indices):
    """The /tasks row that counts for each task, in the study's order (index, then id). A task
    that a resume ran again after it failed has several rows: its first done row counts, else
    its first row."""
    n = len(ids)
    ids = np.asarray(ids).astype(str)  # sortable, unlike an object array
    rows = np.arange(n)
    by_id = np.lexsort((rows, statuses != DONE, ids))  # each id's done rows first, then in order
    first = np.ones(n, dtype=bool)
    first[1:] = ids[by_id[1:]] != ids[by_id[:-1]]
    counted = by_id[first]
    return counted[np.lexsort((ids[counted], indices[counted]))]


@dataclass
class Children:
    """The rows of a child table (one whose rows name their task by `task_row`) that belong to
    counted task rows: grouped by task in the study's order, each task's rows in stored order."""
    table: Table
    task: np.ndarray    # each row's task, as its position among the counted tasks
    bounds: np.ndarray  # task p's rows are bounds[p]:bounds[p + 1]
    stored: np.ndarray  # each row's number in the stored table, for messages

    def counts(self):
        """Rows per task."""
        return np.diff(self.bounds)

    def span(self, p):
        """(first, end) of task p's rows."""
        return int(self.bounds[p]), int(self.bounds[p + 1])

    def rows_of(self, p):
        return range(*self.span(p))


class StudyTables:
    """The tasks of an open archive of format 3 as its committed rows: one /tasks row per task
    (counted_task_rows), and the rows of each child table grouped by task. Columns are read
    when first asked for, so that a DataFrame reads only what it shows."""

    def __init__(self, f, path):
        self.f, self.path = f, path
        self.keys = swept_keys(f)
        self._listed = [text(c) for c in _table_group(f, "tasks", path).attrs["columns"]]
        self.counts = committed_rows(f, path)
        first = read_table(f, "tasks", self.count("tasks"), ["id", "status", "index"], path)
        self.rows = counted_task_rows(first["id"], first["status"], first["index"])
        self._position = np.full(len(first), -1, dtype=np.int64)
        self._position[self.rows] = np.arange(len(self.rows))
        self._columns = {c: v[self.rows] for c, v in first.columns.items()}
        self._children = {}

    def __len__(self):
        return len(self.rows)

    def count(self, table):
        """The committed rows of `table`."""
        if table not in self.counts:
            raise malformed(self.path, f"/{COMMITS}: no row count for table '{table}'")
        return self.counts[table]

    def column(self, name):
        """A column of /tasks, one entry per task (in the study's order)."""
        if name not in self._columns:
            stored = read_table(self.f, "tasks", self.count("tasks"), [name], self.path)
            self._columns[name] = stored[name][self.rows]
        return self._columns[name]

    def has_column(self, name):
        return name in self._listed

    @property
    def ids(self):
        return self.column("id")

    def child(self, name, columns=None):
        """The Children of table `name`, with the columns named (None: every column this reader
        uses of it, CHILD_COLUMNS; columns a later release may add are not read)."""
        wanted = tuple(dict.fromkeys(("task_row",) + tuple(columns or CHILD_COLUMNS[name])))
        if (name, wanted) not in self._children:
            table = read_table(self.f, name, self.count(name), wanted, self.path)
            self._check_shapes(table)
            self._children[name, wanted] = self._group(table)
        return self._children[name, wanted]

    def _check_shapes(self, table):
        """Ragged columns are ragged (NAME_end), and the others are not."""
        for column, values in table.columns.items():
            ragged = isinstance(values, Ragged)
            if ragged != (column in RAGGED_COLUMNS):
                raise malformed(self.path, f"/{table.name}/{column}: " + (
                    "ragged, but it holds one value per row" if ragged else
                    f"not ragged (no {column}{RAGGED_END}), but it holds an array per row"))

    def _group(self, table):
        owners = np.asarray(table["task_row"], dtype=np.int64)
        bad = np.flatnonzero((owners < 0) | (owners >= len(self._position)))
        if bad.size:
            i = bad[0]
            raise malformed(self.path, f"/{table.name}: row {i} belongs to task row {owners[i]}, not one of "
                                       f"rows 0..{len(self._position) - 1}")
        position = self._position[owners]
        kept = np.flatnonzero(position >= 0)
        stored = kept[np.argsort(position[kept], kind="stable")]
        task = position[stored]
        bounds = np.searchsorted(task, np.arange(len(self.rows) + 1))
        return Children(table.take(stored), task, bounds, stored)

    def check_layer_order(self, children):
        """Statistics rows hold layers 0, 1, ... of their task, in order."""
        rank = np.arange(len(children.task)) - children.bounds[children.task]
        wrong = np.flatnonzero(children.table["layer"] != rank)
        if wrong.size:
            i = wrong[0]
            raise malformed(self.path, f"/{children.table.name}: row {children.stored[i]}: layers of task "
                                       f"{self.ids[children.task[i]]} out of order")

    def float_child(self, name):
        """child(name) with every numeric column as float64, converted once for all tasks: the
        arrays of a TaskView are float64, as the format-2 readers give them."""
        if (name, "float64") not in self._children:
            children = self.noise() if name == "noise" else self.child(name)
            columns = {c: _as_float(v) for c, v in children.table.columns.items()}
            self._children[name, "float64"] = Children(Table(name, columns, children.table.rows),
                                                       children.task, children.bounds, children.stored)
        return self._children[name, "float64"]

    def noise(self):
        """The /noise Children, checked: a kind once per task, and levels x repetitions
        accuracies per row."""
        key = ("noise", "checked")
        if key not in self._children:
            noise = self.child("noise")
            repetitions = self.column("noise_repetitions")[noise.task]
            levels, accuracy = noise.table["levels"], noise.table["accuracy"]
            wrong = np.flatnonzero(accuracy.lengths != levels.lengths * repetitions)
            if wrong.size:
                i = wrong[0]
                raise malformed(self.path, f"/noise: row {noise.stored[i]}: task {self.ids[noise.task[i]]}: "
                                           f"{accuracy.lengths[i]} accuracies for {levels.lengths[i]} levels "
                                           f"x {repetitions[i]} repetitions")
            kinds, kind = np.unique(noise.table["kind"], return_inverse=True)
            pairs = noise.task * max(len(kinds), 1) + kind  # (task, kind) as one number
            distinct, first = np.unique(pairs, return_index=True)
            if len(distinct) != len(pairs):
                i = np.setdiff1d(np.arange(len(pairs)), first)[0]
                raise malformed(self.path, f"/noise: row {noise.stored[i]}: task {self.ids[noise.task[i]]} "
                                           f"has kind {noise.table['kind'][i]} twice")
            self._children[key] = noise
        return self._children[key]


# --- Provenance --------------------------------------------------------------------------------

# Format 3 keeps the study and the program of each writing run in /runs; the archive's are those
# of the last run (framework/archive/record_tables.cpp, info_from_runs).
_LAST_RUN = ("study_name", "study_file", "study_hash", "program_version", "git_commit", "compiler",
             "eigen_version", "hdf5_version", "mpi_version", "numeric_build")


def _lines(joined):
    """The lines of a newline-joined list ("" has none)."""
    lines = joined.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _union_of_lines(column):
    """Every line of every entry, once, in order of first appearance."""
    return list(dict.fromkeys(line for entry in column for line in _lines(entry)))


def _table_provenance(f, path, counts):
    runs = read_table(f, "runs", counts.get("runs", 0), path=path)
    if len(runs) == 0:
        raise malformed(path, "/runs: no run has written this archive")
    attrs = {k: plain(v) for k, v in f.attrs.items()}
    attrs.update({c: runs[c][-1] for c in _LAST_RUN})
    attrs.update(git_dirty=int(np.any(runs["git_dirty"] != 0)), hosts=_union_of_lines(runs["hosts"]),
                 started=float(runs["started"].min()), finished=float(runs["finished"].max()),
                 ranks=int(runs["ranks"].max()))
    reused = _union_of_lines(runs["reused_from"])
    if reused:  # as format 2, which has the attribute only when tasks were reused
        attrs["reused_from"] = reused
    return attrs, runs["study_text"][-1]


def provenance(f, path=None):
    """(attrs, study_text) of an open archive: attrs the root attributes as plain Python values
    and, in format 3, the provenance its /runs give as format 2's root attributes gave it (the
    last run's study and program, every run's hosts and reuse sources, the earliest start, the
    latest finish, the most ranks); study_text the study file as written ("" if absent)."""
    path = path or f.filename
    if format_version(f) >= TABLES_VERSION:
        return _table_provenance(f, path, committed_rows(f, path))
    study_text = text(f["study_text"][()]) if "study_text" in f else ""
    return {k: plain(v) for k, v in f.attrs.items()}, study_text


# --- One task at a time, whatever the format ---------------------------------------------------

class TaskView:
    """One task of an archive, read the same way from either layout: its attributes, and its
    arrays when asked for. `key` names it in messages (reading_task); the reading methods raise
    KeyError, ValueError, ... for a malformed task, which reading_task turns into an
    ArchiveError.

        id, stage, index, status, clean_accuracy, parent (id or None), axes (key -> TOML text)
        noise()         kind -> (levels, accuracy levels x repetitions), as read_noise
        curve()         name -> float64 array per epoch, as read_curve
        layer_stats()   per layer, as read_layer_stats
        hidden_stats()  per hidden layer, as read_hidden_stats
    """
    key: str


class GroupTask(TaskView):
    """A task of a format 1 or 2 archive: its group /tasks/<id>."""

    def __init__(self, tid, g):
        self.key, self._g = tid, g

    id = property(lambda self: text(self._g.attrs["id"]))
    stage = property(lambda self: text(self._g.attrs["stage"]))
    index = property(lambda self: int(self._g.attrs["index"]))
    status = property(lambda self: text(self._g.attrs.get("status", "")))
    clean_accuracy = property(lambda self: float(self._g.attrs["clean_accuracy"]))
    parent = property(lambda self: task_parent(self._g))
    axes = property(lambda self: read_axes(self._g))

    def noise(self):
        return read_noise(self._g)

    def curve(self):
        return read_curve(self._g)

    def layer_stats(self):
        return read_layer_stats(self._g)

    def hidden_stats(self):
        return read_hidden_stats(self._g)


class TableTask(TaskView):
    """A task of a format 3 archive: its counted row in /tasks (position `p` among the counted
    rows of `tables`) and its rows in the child tables."""

    def __init__(self, tables, p):
        self._t, self._p = tables, p
        self.key = tables.ids[p]

    def _get(self, column):
        return self._t.column(column)[self._p]

    id = property(lambda self: self.key)
    stage = property(lambda self: self._get("stage"))
    index = property(lambda self: int(self._get("index")))
    status = property(lambda self: self._get("status"))
    clean_accuracy = property(lambda self: float(self._get("clean_accuracy")))
    parent = property(lambda self: self._get("parent") or None)

    @property
    def axes(self):
        # In name order, as format 2's attributes come, so that anything that breaks ties by
        # the order of a task's axes (the heat map's pick of keys) draws the same in both.
        keys = sorted(k for k in self._t.keys if self._t.has_column(AXIS_PREFIX + k))
        values = {k: self._get(AXIS_PREFIX + k) for k in keys}
        return {k: v for k, v in values.items() if v}  # "": the task's stage does not sweep it

    def noise(self):
        noise = self._t.float_child("noise")
        repetitions = int(self._get("noise_repetitions"))
        kinds, levels, accuracy = noise.table["kind"], noise.table["levels"], noise.table["accuracy"]
        return {kinds[r]: (levels.row(r), accuracy.row(r).reshape(len(levels.row(r)), repetitions))
                for r in noise.rows_of(self._p)}

    def curve(self):
        curves = self._t.float_child("curves")
        rows = slice(*curves.span(self._p))
        return {name: curves.table[name][rows] for name in ("epoch",) + CURVE_METRICS}

    def _stats(self, table, histograms, arrays=()):
        """Per row of the task in `table`: its `arrays` and its (edges, counts) `histograms`."""
        children = self._t.float_child(table)
        t = children.table
        return [{name: t[name].row(r) for name in arrays}
                | {name: (t[name + "_hist_edges"].row(r), t[name + "_hist_counts"].row(r))
                   for name in histograms}
                for r in children.rows_of(self._p)]

    def layer_stats(self):
        return self._stats("layers", ("weight", "bias"), ("row_mean", "row_std"))

    def hidden_stats(self):
        return self._stats("hidden", ("preactivation", "input"))


def task_views(f, path=None):
    """Every task of an open archive as a TaskView, in the study's order (index, then id); in
    format 3 one per task (counted_task_rows)."""
    path = path or f.filename
    if format_version(f) >= TABLES_VERSION:
        tables = StudyTables(f, path)
        for table in ("layers", "hidden"):
            tables.check_layer_order(tables.child(table))
        return [TableTask(tables, p) for p in range(len(tables))]
    return [GroupTask(tid, g) for tid, g in task_groups(f, path)]


@dataclass
class StoredModel:
    """A task's kept weights as the archive stores them: per layer W (out x in: row i holds
    the weights into neuron i) and b, float32."""
    activation: str
    noise_placement: str
    settings: str
    layers: list  # (W, b) per layer


class TableModels:
    """The weights a format 3 archive kept (/models and /weights), by task id."""

    def __init__(self, f, path=None):
        self.path = path or f.filename
        self._t = StudyTables(f, self.path)
        self._models = self._t.child("models")
        self.ids = list(self._t.ids)  # every task, in the study's order
        self.kept = [self.ids[p] for p in np.flatnonzero(self._models.counts())]

    def model(self, task):
        """The StoredModel of task id `task`, one of `kept`."""
        p = self.ids.index(task)
        weights = self._t.child("weights")
        self._t.check_layer_order(weights)
        models, row = self._models.table, self._models.bounds[p]
        return StoredModel(models["activation"][row], models["noise_placement"][row], models["settings"][row],
                           [self._layer(weights, r) for r in weights.rows_of(p)])

    def _layer(self, weights, r):
        t = weights.table
        shape = (int(t["rows"][r]), int(t["cols"][r]))
        w, b = t["W"].row(r), t["b"].row(r)
        for name, values in (("W", w), ("b", b)):
            if values.dtype != np.float32:
                raise malformed(self.path, f"/weights/{name}: holds {values.dtype} values; noisesweep reads "
                                           f"float32")
        if min(shape) < 0 or w.size != shape[0] * shape[1] or b.size != shape[0]:
            raise malformed(self.path, f"/weights: row {weights.stored[r]}: a {shape[0]} x {shape[1]} layer "
                                       f"with {w.size} weights and {b.size} biases")
        return w.reshape(shape), b


# --- DataFrames --------------------------------------------------------------------------------

@dataclass
class Archive:
    """Everything `load` reads. The tables join on `task`."""
    path: str
    attrs: dict         # the root attributes, as plain Python values (format 3: with its provenance)
    swept_keys: list    # the study's swept keys, in order (root attribute axis_keys)
    study_text: str     # the study file as written
    tasks: object       # pandas.DataFrame, see tasks()
    noise: object       # see noise()
    curves: object      # see curves()
    layer_stats: object  # see layer_stats()
    histograms: object  # see histograms()
    summary: object     # see summary()

    @property
    def swept_columns(self):
        """The task table's columns that hold swept values (the seed's is 'axis:seed')."""
        return swept_columns(self.swept_keys)


def swept_columns(swept_keys):
    """Task-table column of each swept key: the key itself, but `axis:seed` for the swept seed
    (`seed` is the task's actual seed) and `label` in its own column."""
    return [SWEPT_SEED_COLUMN if k == SEED_KEY else k for k in swept_keys]


TASK_COLUMNS = ("task", "index", "stage", "status", "label", "seed", "parent", "clean_accuracy",
                "epochs", "train_seconds", "eval_seconds", "started", "finished", "rank", "host",
                "build", "has_stats", "has_weights", "message", "settings")
NOISE_DTYPES = {"task": object, "kind": object, "level": float, "repetition": np.int64, "accuracy": float}
LAYER_STATS_DTYPES = {"task": object, "layer": np.int64, "neuron": np.int64, "row_mean": float,
                      "row_std": float}
HISTOGRAM_DTYPES = {"task": object, "scope": object, "layer": np.int64, "quantity": object,
                    "bin": np.int64, "left": float, "right": float, "count": np.int64}
# The histograms of each scope: its table in format 3, and its quantities, in the order the
# histogram table lists them.
HISTOGRAM_SCOPES = (("layer", "layers", ("weight", "bias")), ("hidden", "hidden", ("preactivation", "input")))


def _task_table_columns(keys):
    return list(TASK_COLUMNS) + [c for c in swept_columns(keys) if c not in TASK_COLUMNS]


def _frame(rows, columns=None):
    import pandas as pd  # only for the DataFrames: the figures' reader does without
    return pd.DataFrame(rows, columns=columns)


def _concatenated(parts, dtypes):
    """A DataFrame of the arrays collected per column; empty, with its columns, when none."""
    return _frame({c: np.concatenate(v) if v else np.empty(0, dtype=dtypes[c]) for c, v in parts.items()},
                  columns=list(parts))


# Formats 1 and 2: task by task, from the groups.

def _task_rows(path, f):
    keys = swept_keys(f)
    columns = _task_table_columns(keys)
    rows = {c: [] for c in columns}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            a = g.attrs
            axes = {k: toml_value(v) for k, v in read_axes(g).items()}
            row = {
                "task": text(a["id"]), "index": int(a["index"]), "stage": text(a["stage"]),
                "status": text(a["status"]), "label": axes.get(LABEL_KEY),
                "seed": int(a["seed"]), "parent": task_parent(g),
                "clean_accuracy": float(a["clean_accuracy"]),
                "epochs": len(g["curve/loss"]) if "curve/loss" in g else 0,
                "train_seconds": float(a.get("train_seconds", np.nan)),
                "eval_seconds": float(a.get("eval_seconds", np.nan)),
                "started": float(a.get("started", np.nan)), "finished": float(a.get("finished", np.nan)),
                "rank": int(a.get("rank", -1)), "host": text(a.get("host", "")),
                "build": text(a.get("build", "")), "has_stats": "stats" in g,
                "has_weights": "weights" in g, "message": text(a.get("message", "")),
                "settings": text(a.get("settings", "")),
            }
            if row["task"] != tid:
                raise ValueError(f"attribute 'id' = '{row['task']}' does not match the group's name")
            for key, column in zip(keys, swept_columns(keys)):
                if column not in TASK_COLUMNS:
                    row[column] = axes.get(key)  # None where the task's stage does not sweep it
        for c in columns:
            rows[c].append(row[c])
    return rows


def _group_tasks(path, f):
    return _frame(_task_rows(path, f))


def _group_noise(path, f):
    parts = {c: [] for c in NOISE_DTYPES}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            noise = read_noise(g)
        for kind, (levels, accuracy) in noise.items():
            count, reps = accuracy.shape
            parts["task"].append(np.full(count * reps, tid, dtype=object))
            parts["kind"].append(np.full(count * reps, kind, dtype=object))
            parts["level"].append(np.repeat(levels, reps))
            parts["repetition"].append(np.tile(np.arange(reps), count))
            parts["accuracy"].append(accuracy.ravel())
    return _concatenated(parts, NOISE_DTYPES)


def _group_curves(path, f):
    parts = {c: [] for c in ("task", "epoch") + CURVE_METRICS}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            curve = read_curve(g)
            if not curve:
                continue
            epochs = len(curve.get("loss", []))
            for name, values in curve.items():
                if len(values) != epochs:
                    raise ValueError(f"curve/{name} has {len(values)} epochs, curve/loss {epochs}")
        parts["task"].append(np.full(epochs, tid, dtype=object))
        parts["epoch"].append(curve["epoch"].astype(np.int64) if "epoch" in curve
                              else np.arange(1, epochs + 1))
        for name in CURVE_METRICS:
            parts[name].append(curve.get(name, np.full(epochs, np.nan)))
    dtypes = {c: float for c in CURVE_METRICS}
    dtypes.update(task=object, epoch=np.int64)
    return _concatenated(parts, dtypes)


def _group_layer_stats(path, f):
    parts = {c: [] for c in LAYER_STATS_DTYPES}
    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            layers = read_layer_stats(g)
        for l, s in enumerate(layers):
            n = len(s["row_mean"])
            parts["task"].append(np.full(n, tid, dtype=object))
            parts["layer"].append(np.full(n, l))
            parts["neuron"].append(np.arange(n))
            parts["row_mean"].append(s["row_mean"])
            parts["row_std"].append(s["row_std"])
    return _concatenated(parts, LAYER_STATS_DTYPES)


def _group_histograms(path, f):
    parts = {c: [] for c in HISTOGRAM_DTYPES}

    def add(tid, scope, layer, quantity, edges, counts):
        n = len(counts)
        if len(edges) != n + 1:
            raise ArchiveError(f"{path}: malformed archive: task {tid}: {scope} {layer} {quantity} "
                               f"histogram has {len(edges)} edges for {n} bins")
        for column, value in (("task", tid), ("scope", scope), ("quantity", quantity)):
            parts[column].append(np.full(n, value, dtype=object))
        parts["layer"].append(np.full(n, layer))
        parts["bin"].append(np.arange(n))
        parts["left"].append(edges[:-1])
        parts["right"].append(edges[1:])
        parts["count"].append(counts.astype(np.int64))

    for tid, g in task_groups(f, path):
        with reading_task(path, tid):
            layers, hidden = read_layer_stats(g), read_hidden_stats(g)
        for l, s in enumerate(layers):
            for quantity in ("weight", "bias"):
                add(tid, "layer", l, quantity, *s[quantity])
        for h, s in enumerate(hidden):
            for quantity in ("preactivation", "input"):
                add(tid, "hidden", h, quantity, *s[quantity])
    return _concatenated(parts, HISTOGRAM_DTYPES)


def _group_summary(path, f):
    if "summary" not in f:
        return _frame({})
    frame = _frame(f["summary"][()])
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(text)
    return frame


# Format 3: whole columns at once. Each builds the same columns, with the same values and
# types, as its format-2 counterpart above.

def _toml_column(texts):
    """Swept values parsed from their TOML text, None where the task's stage does not sweep
    the key (""), as a list; each distinct text is parsed once."""
    distinct, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    parsed = _object_column([toml_value(v) if v else None for v in distinct])
    return parsed[inverse].tolist()


def _swept_values(t, key):
    column = AXIS_PREFIX + key
    return _toml_column(t.column(column)) if t.has_column(column) else [None] * len(t)


def _table_tasks(t):
    keys = t.keys
    columns = _task_table_columns(keys)
    parents = t.column("parent")
    # Lists of Python values, as format 2 builds them, so that pandas gives the same dtypes.
    rows = {
        "task": t.ids.tolist(), "index": t.column("index").tolist(), "stage": t.column("stage").tolist(),
        "status": t.column("status").tolist(), "label": _swept_values(t, LABEL_KEY),
        "seed": t.column("seed").tolist(), "parent": np.where(parents == "", None, parents).tolist(),
        "clean_accuracy": t.column("clean_accuracy").tolist(),
        "epochs": t.child("curves", ["task_row"]).counts().tolist(),
        "has_stats": (t.child("layers", ["task_row"]).counts() > 0).tolist(),
        "has_weights": (t.child("models", ["task_row"]).counts() > 0).tolist(),
    }
    for name in ("train_seconds", "eval_seconds", "started", "finished", "rank", "host", "build", "message",
                 "settings"):
        rows[name] = t.column(name).tolist()
    for key, column in zip(keys, swept_columns(keys)):
        if column not in TASK_COLUMNS:
            rows[column] = _swept_values(t, key)
    return _frame({c: rows[c] for c in columns}, columns=columns)


def _table_noise(t):
    noise = t.noise()
    accuracy, levels = noise.table["accuracy"], noise.table["levels"]
    repetitions = t.column("noise_repetitions")[noise.task]
    entry_row = _owners(accuracy.lengths)  # the /noise row of each accuracy
    within = _offsets(accuracy.lengths)    # levels x repetitions, row-major
    reps = repetitions[entry_row]
    return _frame({"task": t.ids[noise.task][entry_row], "kind": noise.table["kind"][entry_row],
                   "level": levels.values[levels.starts[entry_row] + within // reps].astype(float),
                   "repetition": (within % reps).astype(np.int64),
                   "accuracy": accuracy.values.astype(float)}, columns=list(NOISE_DTYPES))


def _table_curves(t):
    curves = t.child("curves")
    columns = {"task": t.ids[curves.task], "epoch": curves.table["epoch"].astype(np.int64)}
    columns.update({name: curves.table[name].astype(float) for name in CURVE_METRICS})
    return _frame(columns, columns=list(columns))


def _table_layer_stats(t):
    layers = t.child("layers", ["layer", "row_mean", "row_std"])
    t.check_layer_order(layers)
    row_mean, row_std = layers.table["row_mean"], layers.table["row_std"]
    wrong = np.flatnonzero(row_mean.lengths != row_std.lengths)
    if wrong.size:
        i = wrong[0]
        raise malformed(t.path, f"/layers: row {layers.stored[i]}: {row_mean.lengths[i]} row means but "
                                f"{row_std.lengths[i]} row stds")
    row = _owners(row_mean.lengths)
    return _frame({"task": t.ids[layers.task][row], "layer": layers.table["layer"][row].astype(np.int64),
                   "neuron": _offsets(row_mean.lengths), "row_mean": row_mean.values.astype(float),
                   "row_std": row_std.values.astype(float)}, columns=list(LAYER_STATS_DTYPES))


@dataclass
class _HistogramRows:
    """Histograms, one entry each: where their task, scope, layer and quantity put them in the
    histogram table, and where their edges and counts start in `edges` and `counts`."""
    task: np.ndarray
    scope: np.ndarray
    layer: np.ndarray
    quantity: np.ndarray
    edge_start: np.ndarray
    count_start: np.ndarray
    bins: np.ndarray


def _check_bins(t, children, scope, name, edges, counts):
    """Each histogram has one edge more than it has bins."""
    wrong = np.flatnonzero(edges.lengths != counts.lengths + 1)
    if wrong.size:
        i = wrong[0]
        layer = children.table["layer"][i]
        raise malformed(t.path, f"task {t.ids[children.task[i]]}: {scope} {layer} {name} histogram has "
                                f"{edges.lengths[i]} edges for {counts.lengths[i]} bins")


def _histogram_rows(t):
    """Every histogram of the counted tasks (a _HistogramRows), and the edges and the counts of
    them all, one histogram after another."""
    blocks, edges, counts = [], [], []
    for scope, (scope_name, table, quantities) in enumerate(HISTOGRAM_SCOPES):
        columns = ["layer"] + [f"{q}_hist_{part}" for q in quantities for part in ("edges", "counts")]
        children = t.child(table, columns)
        t.check_layer_order(children)
        for quantity, name in enumerate(quantities):
            e, c = children.table[name + "_hist_edges"], children.table[name + "_hist_counts"]
            _check_bins(t, children, scope_name, name, e, c)
            n = len(children.task)
            blocks.append(_HistogramRows(children.task, np.full(n, scope), children.table["layer"],
                                         np.full(n, quantity), e.starts + sum(map(len, edges)),
                                         c.starts + sum(map(len, counts)), c.lengths))
            edges.append(e.values)
            counts.append(c.values)
    merged = _HistogramRows(*(np.concatenate([getattr(b, field) for b in blocks]).astype(np.int64)
                              for field in _HistogramRows.__dataclass_fields__))
    return merged, np.concatenate(edges).astype(float), np.concatenate(counts).astype(np.int64)


def _table_histograms(t):
    h, edges, counts = _histogram_rows(t)
    # Task by task; within a task, weights and biases layer by layer, then the hidden layers'.
    order = np.lexsort((h.quantity, h.layer, h.scope, h.task))
    h = _HistogramRows(*(getattr(h, field)[order] for field in _HistogramRows.__dataclass_fields__))
    row, bins = _owners(h.bins), _offsets(h.bins)
    left = np.repeat(h.edge_start, h.bins) + bins
    scopes = _object_column([scope for scope, _, _ in HISTOGRAM_SCOPES])
    quantities = np.array([names for _, _, names in HISTOGRAM_SCOPES], dtype=object)  # scope x quantity
    names = quantities[h.scope, h.quantity]
    return _frame({"task": t.ids[h.task][row], "scope": scopes[h.scope][row], "layer": h.layer[row],
                   "quantity": names[row], "bin": bins, "left": edges[left], "right": edges[left + 1],
                   "count": counts[np.repeat(h.count_start, h.bins) + bins]},
                  columns=list(HISTOGRAM_DTYPES))


def _kind_order(kinds):
    """The kinds present, in the registry's order; kinds it lacks after them, as first met."""
    distinct, first = np.unique(np.asarray(kinds, dtype=object), return_index=True)
    present = distinct[np.argsort(first)].tolist()
    return [k for k in KINDS if k in present] + [k for k in present if k not in KINDS]


def _sums_in_order(values, starts, lengths):
    """The sum of each span of `values`, added one value after another from 0 as noisesweep
    adds them: numpy's pairwise sums can differ in the last bit."""
    total = np.zeros(len(lengths))
    for j in range(int(lengths.max(initial=0))):
        more = lengths > j
        total[more] += values[starts[more] + j]
    return total


def _first_harshest(levels, lower_is_harsher):
    """Per row of a Ragged of levels, the position of its first harshest level."""
    padding = np.inf if lower_is_harsher else -np.inf
    table = np.full((len(levels), int(levels.lengths.max(initial=0))), padding)
    table[_owners(levels.lengths), _offsets(levels.lengths)] = levels.values
    return table.argmin(axis=1) if lower_is_harsher else table.argmax(axis=1)


def _kind_summaries(t, done):
    """<Kind>_at_max and <Kind>_mean per task, as format 2's /summary holds them
    (framework/archive/summary.cpp there): the mean over repetitions at the task's harshest
    level, and the mean over every level and repetition; NaN for a task that is not done, that
    lacks the kind, or has no levels or repetitions."""
    noise = t.noise()
    kinds, levels, accuracy = noise.table["kind"], noise.table["levels"], noise.table["accuracy"]
    repetitions = t.column("noise_repetitions")[noise.task]
    columns = {}
    for kind in _kind_order(kinds):
        at_max, mean = np.full(len(t), np.nan), np.full(len(t), np.nan)
        rows = np.flatnonzero((kinds == kind) & done[noise.task] & (repetitions > 0) & (levels.lengths > 0))
        reps, count = repetitions[rows], levels.lengths[rows]
        starts = accuracy.starts[rows]
        top = _first_harshest(levels.take(rows), kind in LOWER_IS_HARSHER)
        at_max[noise.task[rows]] = _sums_in_order(accuracy.values, starts + top * reps, reps) / reps
        mean[noise.task[rows]] = (_sums_in_order(accuracy.values, starts, count * reps)
                                  / (count.astype(float) * reps))
        columns[f"{kind}_at_max"], columns[f"{kind}_mean"] = at_max, mean
    return columns


def _table_summary(t):
    status = t.column("status")
    done = status == DONE
    head = {"id": t.ids, "stage": t.column("stage"), "status": status,
            "index": t.column("index").astype(np.int64), "seed": t.column("seed").astype(np.uint64)}
    metrics = {"clean_accuracy": np.where(done, t.column("clean_accuracy"), np.nan),
               "train_seconds": t.column("train_seconds"), "eval_seconds": t.column("eval_seconds")}
    metrics.update(_kind_summaries(t, done))
    columns = dict(head)
    for key in t.keys:
        # Named by the key, unless a column of the table has that name (the seed).
        name = AXIS_PREFIX + key if key in head or key in metrics else key
        columns[name] = t.column(AXIS_PREFIX + key)
    columns.update(metrics)
    return _frame(columns, columns=list(columns))


# Each DataFrame by format: (formats 1 and 2, from (path, file); format 3, from StudyTables).
_READERS = {
    "tasks": (_group_tasks, _table_tasks),
    "noise": (_group_noise, _table_noise),
    "curves": (_group_curves, _table_curves),
    "layer_stats": (_group_layer_stats, _table_layer_stats),
    "histograms": (_group_histograms, _table_histograms),
    "summary": (_group_summary, _table_summary),
}


def _frames(path, f, names):
    """The named DataFrames of an open archive, each built by its format's reader."""
    if format_version(f) >= TABLES_VERSION:
        tables = StudyTables(f, path)
        return {name: _READERS[name][1](tables) for name in names}
    return {name: _READERS[name][0](path, f) for name in names}


def _read(path, name):
    with open_archive(path) as f:
        return _frames(os.fspath(path), f, [name])[name]


def tasks(path):
    """One row per task, in the study's order, strings decoded:

    task (id), index, stage, status ("done" | "failed" | "diverged"), label (the variant's
    label, or None), seed (the task's own), parent (id of the task it was fine-tuned from, or
    None), clean_accuracy (a fraction), epochs, train_seconds, eval_seconds, started, finished
    (Unix seconds), rank, host, build, has_stats, has_weights, message, settings (TOML text);
    then one column per swept key (root attribute axis_keys), its value parsed from TOML (lists
    as tuples), None where the task's stage does not sweep it. The swept seed is `axis:seed`.
    A task that a resume ran again after it failed is the run that counts: its first done one,
    else its first."""
    return _read(path, "tasks")


def noise(path):
    """One row per task x kind x level x repetition: task, kind, level (in the kind's unit:
    variance, relative std, bits, fraction, seconds), repetition (0-based), accuracy (a
    fraction). Each kind has only its own levels (format 2's NaN padding is dropped)."""
    return _read(path, "noise")


def curves(path):
    """One row per task x epoch: task, epoch (1-based), loss, cross_entropy, train_accuracy,
    validation_accuracy, seconds. A fine-tuned task's epochs restart at 1."""
    return _read(path, "curves")


def layer_stats(path):
    """One row per task x layer x neuron: task, layer (0-based, output layer included),
    neuron, row_mean and row_std of W's row into that neuron (row sum = row_mean x fan-in).
    Tasks without statistics (failed, or format_version 1) have no rows."""
    return _read(path, "layer_stats")


def histograms(path):
    """One row per task x histogram x bin: task, scope ("layer": weights and biases of every
    layer, output included; "hidden": pre-activations and inputs of each hidden layer over
    the clean test set), layer, quantity ("weight", "bias", "preactivation", "input"), bin,
    left, right (the bin's edges; the last bin is closed), count."""
    return _read(path, "histograms")


def summary(path):
    """One row per task, in the study's order, with the columns of format 2's /summary table:
    id, stage, status, index, seed; a column per swept key (its TOML text, "" where the task's
    stage does not sweep it; "axis:seed" for the seed); clean_accuracy (NaN unless done),
    train_seconds, eval_seconds; and per noise kind present, in noisesweep's order of kinds,
    <Kind>_at_max (mean over repetitions at the harshest level) and <Kind>_mean (over every
    level and repetition), NaN unless done. Format 2 stores the table (read as stored, strings
    decoded); format 3 is summarised here."""
    return _read(path, "summary")


def table(path, name):
    """Table `name` of a format 3 archive (e.g. "runs", one row per writing run) as a
    DataFrame of its committed rows, as stored: task_row where the table has it, a ragged
    column's entries arrays."""
    with open_archive(path) as f:
        path = os.fspath(path)
        if format_version(f) < TABLES_VERSION:
            raise ArchiveError(f"{path}: format_version {format_version(f)} has no column tables "
                               f"(they came with format_version {TABLES_VERSION})")
        # /commits counts the rows of the others; its own rows are all read, valid or not.
        rows = None if name == COMMITS else committed_rows(f, path).get(name, 0)
        return read_table(f, name, rows, path=path).frame()


def load(path):
    """Every table of the archive at `path`, read in one pass over the file (an Archive).
    Raises ArchiveError (one line, naming the file) for a missing file, a file that is not a
    noisesweep study archive, one of an unknown format_version, or a malformed one."""
    with open_archive(path) as f:
        path = os.fspath(path)
        attrs, study_text = provenance(f, path)
        frames = _frames(path, f, list(_READERS))
        return Archive(path=path, attrs=attrs, swept_keys=swept_keys(f), study_text=study_text, **frames)
