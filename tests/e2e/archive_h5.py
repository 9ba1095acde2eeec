"""Reads noisesweep study archives with h5py and numpy alone, for the end-to-end tests.

These tests check the program against its documented file layout, so nothing here calls the
program or the analysis package. Both layouts the program reads are understood:

  format 3 (what the program writes): column tables under /tasks, /curves, /noise, /layers,
    /hidden, /models, /weights and /runs (framework/archive/archive.hpp). A ragged column NAME
    is NAME plus NAME_end (framework/io/h5_table.hpp). Only the rows that the last valid row of
    /commits counts exist; a task may have several /tasks rows, of which the first "done" one
    counts, else the first.
  format 2 (the committed fixtures): a group per task under /tasks/<id>, provenance in root
    attributes, and a /summary table.

Usage:
    with Archive(path) as a:
        for task in a.tasks().values():
            task.id, task.attrs["status"], task.axes, a.noise(task), a.results(task)
"""
import h5py
import numpy as np

TASK_TABLES = ("curves", "noise", "layers", "hidden", "models", "weights")
TIMINGS = {"curve/seconds"}  # wall-clock columns, which differ between runs of the same task


def text(value):
    """A string attribute or column entry as str, whatever h5py returned."""
    return value.decode() if isinstance(value, bytes) else str(value)


def open_file(path, mode="r"):
    """Opens PATH; a file that a writer holds open (mid-checkpoint, or killed in one) is opened
    as an HDF5 single-writer/multiple-reader reader, which the plain open refuses."""
    try:
        return h5py.File(path, mode)
    except OSError:
        if mode != "r":
            raise
        return h5py.File(path, "r", swmr=True)


def committed_rows(f):
    """Format 3: each table's committed row count, from the last row i of /commits whose
    sequence is i + 1 (rows after a cut-short commit are not counted); all 0 before the first
    commit."""
    commits = f["commits"]
    names = [text(c) for c in commits.attrs["columns"] if text(c) != "sequence"]
    sequence = commits["sequence"][()]
    for i in range(len(sequence) - 1, -1, -1):
        if int(sequence[i]) == i + 1:
            return {name: int(commits[name][i]) for name in names}
    return {name: 0 for name in names}


def read_column(f, table, name, rows):
    """The first ROWS entries of a non-ragged column; strings as an object array of str."""
    ds = f[table][name]
    if h5py.check_string_dtype(ds.dtype) is not None:
        return np.array([text(v) for v in ds[:rows]], dtype=object)
    return ds[:rows]


def read_ragged(f, table, name, rows):
    """The first ROWS entries of a ragged column (NAME + NAME_end), one array per row."""
    ends = f[table][name + "_end"][:rows].astype(np.int64)
    values = f[table][name][: int(ends[-1])] if rows else f[table][name][:0]
    starts = np.concatenate(([0], ends[:-1]))
    assert np.all(starts <= ends), f"/{table}/{name}_end decreases"
    return [values[s:e] for s, e in zip(starts, ends)]


def table_columns(f, table):
    return [text(c) for c in f[table].attrs["columns"]]


class Task:
    """One task of an archive: its id, its attributes (str or numpy scalars, by the names of
    format 2's task attributes; attributes an archive lacks are absent), and its swept values
    (key -> TOML text)."""

    def __init__(self, task_id, attrs, axes, source):
        self.id, self.attrs, self.axes = task_id, attrs, axes
        self.source = source  # format 2: the task's group; format 3: its row in /tasks

    def __repr__(self):
        return f"Task({self.id}, {self.attrs.get('stage')}, {self.attrs.get('status')})"


class Archive:
    def __init__(self, path, mode="r"):
        self.path = path
        self.file = open_file(path, mode)
        self.version = int(self.file.attrs["format_version"])
        self._rows = None  # format 3: table -> committed rows
        self._tables = {}  # format 3: table -> column -> committed values
        self._rows_of = {}  # format 3: table -> task row -> its rows there
        self._tasks = None  # id -> Task

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    # --- format 3 tables ---

    def rows(self):
        """Format 3: each table's committed row count."""
        if self._rows is None:
            self._rows = committed_rows(self.file)
        return self._rows

    def table(self, name):
        """Format 3: the committed rows of table NAME, column -> values (a list of arrays for
        a ragged column)."""
        if name not in self._tables:
            n, group, out = self.rows()[name], self.file[name], {}
            for column in table_columns(self.file, name):
                ragged = column + "_end" in group
                out[column] = (read_ragged if ragged else read_column)(self.file, name, column, n)
            self._tables[name] = out
        return self._tables[name]

    def rows_of(self, table, task):
        """Format 3: the rows of TABLE that belong to TASK (by task_row), in row order."""
        if table not in self._rows_of:
            by_task = {}
            for i, row in enumerate(self.table(table)["task_row"]):
                by_task.setdefault(int(row), []).append(i)
            self._rows_of[table] = by_task
        return self._rows_of[table].get(task.source, [])

    # --- tasks ---

    def tasks(self):
        """Every task by id, one per task: in format 3 the first done row of an id, else its
        first row; in order of first appearance (format 2: of the groups)."""
        if self._tasks is None:
            self._tasks = self._tasks_v2() if self.version == 2 else self._tasks_v3()
        return self._tasks

    def _tasks_v2(self):
        out = {}
        for name, g in self.file["tasks"].items():
            attrs = {k: text(v) if isinstance(v, (str, bytes)) else v for k, v in g.attrs.items()}
            axes = {k: text(v) for k, v in g["axes"].attrs.items()} if "axes" in g else {}
            out[name] = Task(name, attrs, axes, g)
        return out

    def _tasks_v3(self):
        columns = self.table("tasks")
        chosen = {}  # id -> row
        status = columns["status"]
        for row, task_id in enumerate(columns["id"]):
            first = chosen.get(task_id)
            if first is None or (status[row] == "done" and status[first] != "done"):
                chosen[task_id] = row
        out = {}
        for task_id, row in chosen.items():
            attrs = {c: columns[c][row] for c in columns if not c.startswith("axis:")}
            axes = {c[len("axis:"):]: columns[c][row] for c in columns
                    if c.startswith("axis:") and columns[c][row] != ""}
            out[task_id] = Task(task_id, attrs, axes, row)
        return out

    # --- a task's results ---

    def curve(self, task):
        """The training curve: column -> array over epochs."""
        if self.version == 2:
            g = task.source
            return {k: v[()] for k, v in g["curve"].items()} if "curve" in g else {}
        rows, table = self.rows_of("curves", task), self.table("curves")
        return {c: np.asarray(v)[rows] for c, v in table.items() if c != "task_row"}

    def noise(self, task):
        """The noise evaluation, one (kind, levels, accuracy) per kind in the archive's order:
        levels the kind's own (1-D), accuracy levels x repetitions."""
        return self._noise_v2(task.source) if self.version == 2 else self._noise_v3(task)

    @staticmethod
    def _noise_v2(g):
        if "noise" not in g or "kinds" not in g["noise"]:
            return []
        kinds = [text(k) for k in g["noise/kinds"][()]]
        levels, accuracy = g["noise/levels"][()], g["noise/accuracy"][()]
        out = []
        for k, kind in enumerate(kinds):
            own = levels if levels.ndim == 1 else levels[k]
            # Per-kind levels (2-D) are padded with NaN to the longest kind's count.
            n = len(own) if not np.isnan(own).any() else int(np.argmax(np.isnan(own)))
            padding = np.isnan(own[n:]).all() and np.isnan(accuracy[k, n:]).all()
            assert padding, f"{g.name}: {kind}: values after the first NaN level"
            out.append((kind, own[:n], accuracy[k, :n, :]))
        return out

    def _noise_v3(self, task):
        table, reps = self.table("noise"), int(task.attrs["noise_repetitions"])
        out = []
        for i in self.rows_of("noise", task):
            levels, accuracy = table["levels"][i], table["accuracy"][i]
            assert len(accuracy) == len(levels) * reps, f"{task.id}: /noise row {i}: not L x reps"
            out.append((table["kind"][i], levels, accuracy.reshape(len(levels), reps)))
        return out

    def stats(self, task):
        """The network statistics: "layers/<l>/<name>" and "hidden/<h>/<name>" -> array; empty
        for a task without them."""
        if self.version == 2:
            g, out = task.source, {}
            if "stats" in g:
                g["stats"].visititems(lambda name, item: out.__setitem__(name, item[()])
                                      if isinstance(item, h5py.Dataset) else None)
            return out
        out = {}
        for table in ("layers", "hidden"):
            columns = self.table(table)
            for i in self.rows_of(table, task):
                layer = int(columns["layer"][i])
                for c, values in columns.items():
                    if c not in ("task_row", "layer"):
                        out[f"{table}/{layer}/{c}"] = np.asarray(values[i])
        return out

    def weights(self, task):
        """The kept weights, or None: activation, noise_placement, settings, layer_sizes
        ([in, h1, ..., out]) and layers, a list of (W (out x in), b)."""
        if self.version == 2:
            g = task.source
            if "weights" not in g:
                return None
            w = g["weights"]
            layers = [(w["layers"][str(l)]["W"][()], w["layers"][str(l)]["b"][()])
                      for l in range(len(w["layers"]))]
            out = {k: text(w.attrs[k]) for k in ("activation", "noise_placement", "settings")}
            return dict(out, layer_sizes=np.asarray(w.attrs["layer_sizes"]), layers=layers)
        models = self.rows_of("models", task)
        if not models:
            return None
        assert len(models) == 1, f"{task.id}: {len(models)} rows in /models"
        m, t = self.table("models"), self.table("weights")
        out = {k: m[k][models[0]] for k in ("activation", "noise_placement", "settings")}
        rows = sorted(self.rows_of("weights", task), key=lambda i: int(t["layer"][i]))
        assert [int(t["layer"][i]) for i in rows] == list(range(len(rows))), f"{task.id}: layers"
        shape = lambda i: (int(t["rows"][i]), int(t["cols"][i]))
        layers = [(t["W"][i].reshape(shape(i)), t["b"][i]) for i in rows]
        sizes = [int(t["cols"][rows[0]])] + [int(t["rows"][i]) for i in rows] if rows else []
        return dict(out, layer_sizes=np.asarray(sizes, dtype=np.int64), layers=layers)

    def results(self, task, timings=False):
        """Everything TASK computed but its attributes, by name -> value, the same names in
        both formats: curve/<column> (without the wall-clock seconds unless TIMINGS),
        noise/kinds, noise/<kind>/levels and /accuracy, stats/..., weights@<attribute> and
        weights/layers/<l>/W and /b."""
        out = {f"curve/{c}": v for c, v in self.curve(task).items()
               if timings or f"curve/{c}" not in TIMINGS}
        noise = self.noise(task)
        if noise:
            out["noise/kinds"] = [kind for kind, _, _ in noise]
        for kind, levels, accuracy in noise:
            out[f"noise/{kind}/levels"], out[f"noise/{kind}/accuracy"] = levels, accuracy
        out.update({f"stats/{k}": v for k, v in self.stats(task).items()})
        weights = self.weights(task)
        if weights is not None:
            for k in ("activation", "noise_placement", "settings", "layer_sizes"):
                out[f"weights@{k}"] = weights[k]
            for l, (W, b) in enumerate(weights["layers"]):
                out[f"weights/layers/{l}/W"], out[f"weights/layers/{l}/b"] = W, b
        return out

    # --- the archive as a whole ---

    def provenance(self):
        """The run that wrote the archive: study_*, program and library versions,
        numeric_build ("" if not recorded), hosts and reused_from (lists), started, finished,
        ranks, git_dirty, shard, and runs (how many sessions wrote it). Format 3 keeps one
        /runs row per session: the study and versions are the last row's, hosts and
        reused_from the union of all rows in order, started the earliest, finished the
        latest, ranks the most, git_dirty any."""
        if self.version == 2:
            a = self.file.attrs
            out = {k: text(v) if isinstance(v, (str, bytes)) else v for k, v in a.items()}
            out["study_text"] = text(self.file["study_text"][()])
            out["numeric_build"] = text(a.get("numeric_build", ""))
            out["hosts"] = [text(h) for h in a["hosts"]]
            out["reused_from"] = [text(s) for s in a.get("reused_from", [])]
            out["git_dirty"] = bool(a["git_dirty"])
            out["runs"] = 1
            return out
        runs, n = self.table("runs"), self.rows()["runs"]
        assert n > 0, f"{self.path}: no committed row in /runs"
        out = {c: v[n - 1] for c, v in runs.items()}
        union = lambda column: list(dict.fromkeys(
            line for joined in runs[column] for line in joined.split("\n") if line))
        out.update(hosts=union("hosts"), reused_from=union("reused_from"),
                   started=runs["started"].min(), finished=runs["finished"].max(),
                   ranks=runs["ranks"].max(), git_dirty=bool(runs["git_dirty"].any()), runs=n)
        out["shard"] = text(self.file.attrs["shard"])
        return out

    def problems(self):
        """What is inconsistent in the archive's structure, one line each. Format 2: /summary
        has a row for each task group and no other. Format 3: every column holds at least the
        committed rows, ragged ends never decrease and stay within their values, and every
        task_row names a committed /tasks row."""
        out = []
        if self.version == 2:
            summary, groups = self.file["summary"], set(self.file["tasks"])
            if len(summary) != len(groups) or {text(i) for i in summary["id"]} != groups:
                out.append("summary rows do not match the task groups")
            return out
        rows = self.rows()
        for table, n in rows.items():
            group = self.file[table]
            for column in table_columns(self.file, table):
                stored = len(group[column])
                if column + "_end" not in group:
                    if stored < n:
                        out.append(f"/{table}/{column}: {stored} entries, {n} committed rows")
                    continue
                ends = group[column + "_end"][:n].astype(np.int64)
                if len(ends) < n or np.any(np.diff(ends) < 0) or (n and ends[-1] > stored):
                    out.append(f"/{table}/{column}_end: not the ends of {n} rows")
            if table in TASK_TABLES and n:
                task_rows = group["task_row"][:n]
                if task_rows.min() < 0 or task_rows.max() >= rows["tasks"]:
                    out.append(f"/{table}/task_row: beyond the {rows['tasks']} committed tasks")
        return out


def same(a, b):
    """Whether two values are identical: floats bit for bit (NaN == NaN, -0.0 != 0.0, and of
    the same precision), integers by value (format 2 stores some as int32, format 3 as int64),
    strings by text."""
    if isinstance(a, (list, str)) or isinstance(b, (list, str)):
        return isinstance(a, type(b)) and isinstance(b, type(a)) and a == b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":  # as Python ints: numpy would compare
        return a.tolist() == b.tolist()                  # uint64 with int64 as float64
    if a.dtype.kind == "O" and b.dtype.kind == "O":
        return [text(x) for x in a.ravel()] == [text(x) for x in b.ravel()]
    return a.dtype == b.dtype and bool(np.all(a == b))
