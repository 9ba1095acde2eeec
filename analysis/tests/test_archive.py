"""noisesweep.archive against archives the program writes (format 3) and the committed archives
of format 2: the tables must say what the raw HDF5 datasets say, computed here independently
with h5py, both formats of one study must read alike, and bad files must fail in one line."""
import functools
import operator
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from noisesweep import archive


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def study():
    return tomllib.loads((ROOT / "studies" / "test-small.toml").read_text())


def grid_size(stage):
    """Tasks of a stage by the study file's rule: the grid's cartesian product times the
    variants."""
    sizes = [v["replicates"] if isinstance(v, dict) else len(v) for v in stage.get("grid", {}).values()]
    return int(np.prod(sizes)) * max(1, len(stage.get("variants", [])))


# --- The raw layouts, read with h5py alone ------------------------------------------------------

def committed(f):
    """Format 3: each table's row count in the last row i of /commits whose sequence is i + 1."""
    sequence = f["commits/sequence"][()]
    valid = [i for i in range(len(sequence)) if sequence[i] == i + 1]
    names = [text(c) for c in f["commits"].attrs["columns"] if text(c) != "sequence"]
    return {n: int(f["commits"][n][valid[-1]]) if valid else 0 for n in names}


def raw_column(f, table, name):
    ds = f[table][name][:committed(f)[table]]
    return np.array([text(v) for v in ds], dtype=object) if ds.dtype == object else ds


def raw_ragged(f, table, name):
    """A ragged column's committed rows, one array each."""
    ends = f[table][name + "_end"][:committed(f)[table]].astype(int)
    starts = np.concatenate(([0], ends[:-1]))
    values = f[table][name][()]
    return [values[s:e] for s, e in zip(starts, ends)]


def raw_task_rows(f):
    """Format 3: id -> the /tasks row that counts (the first done row, else the first)."""
    ids, status = raw_column(f, "tasks", "id"), raw_column(f, "tasks", "status")
    rows = {}
    for i, (tid, s) in enumerate(zip(ids, status)):
        if tid not in rows or (s == "done" and status[rows[tid]] != "done"):
            rows[tid] = i
    return rows


def raw_noise(path):
    """id -> kind -> (levels, accuracy levels x repetitions), from either layout."""
    out = {}
    with h5py.File(path, "r") as f:
        if int(f.attrs["format_version"]) == 2:
            for tid, g in f["tasks"].items():
                kinds = [text(k) for k in g["noise/kinds"][()]]
                levels, accuracy = g["noise/levels"][()], g["noise/accuracy"][()]
                if levels.ndim == 1:
                    levels = np.broadcast_to(levels, accuracy.shape[:2])
                stored = [np.isfinite(levels[k]) for k in range(len(kinds))]
                out[tid] = {kind: (levels[k][stored[k]], accuracy[k][stored[k]]) for k, kind in enumerate(kinds)}
            return out
        rows = raw_task_rows(f)
        reps = raw_column(f, "tasks", "noise_repetitions")
        owner = raw_column(f, "noise", "task_row")
        kinds = raw_column(f, "noise", "kind")
        levels, accuracy = raw_ragged(f, "noise", "levels"), raw_ragged(f, "noise", "accuracy")
        for tid, row in rows.items():
            out[tid] = {kinds[i]: (levels[i], accuracy[i].reshape(len(levels[i]), reps[row]))
                        for i in np.flatnonzero(owner == row)}
    return out


# --- Format 3, as the program writes it ---------------------------------------------------------

@pytest.fixture(scope="module")
def small(small_archive):
    return archive.load(small_archive)


def test_the_program_writes_format_3(small_archive, kinds_archive):
    for path in (small_archive, kinds_archive):
        with h5py.File(path, "r") as f:
            assert int(f.attrs["format_version"]) == 3 and "commits" in f and "summary" not in f


def test_tasks_per_stage_match_the_study(small):
    expected = {s["name"]: grid_size(s) for s in study()["stage"]}
    assert expected == {"baseline": 4, "rowsum": 8, "rowsum-layers": 4}
    assert small.tasks.stage.value_counts().to_dict() == expected
    assert list(small.tasks.stage.unique()) == list(expected)  # the study's order
    assert (small.tasks.status == "done").all()
    assert small.tasks.task.is_unique and small.tasks["index"].tolist() == list(range(16))


def test_strings_are_decoded(small):
    for frame in (small.tasks, small.noise, small.curves, small.layer_stats, small.histograms, small.summary):
        for column in frame.columns:
            if frame[column].dtype == object:
                assert not frame[column].map(lambda v: isinstance(v, bytes)).any(), column
    assert small.attrs["study_name"] == "test-small" and isinstance(small.attrs["format"], str)
    assert small.summary.id.tolist() == small.tasks.task.tolist()


def test_swept_keys_are_columns(small):
    # The grid's axes, then what the variants set: their label and reg.rowsum.
    assert small.swept_keys == ["seed", "data.synthetic.separation", "reg.lambda", "label", "reg.rowsum"]
    assert small.swept_columns == ["axis:seed", "data.synthetic.separation", "reg.lambda", "label",
                                   "reg.rowsum"]
    t = small.tasks.set_index("task")
    with h5py.File(small.path, "r") as f:
        column = {name: raw_column(f, "tasks", name) for name in
                  ("seed", "axis:seed", "axis:data.synthetic.separation", "axis:reg.lambda", "axis:label")}
        for tid, row in raw_task_rows(f).items():
            assert t.loc[tid, "axis:seed"] == int(column["axis:seed"][row])
            assert t.loc[tid, "seed"] == int(column["seed"][row])
            for key in ("data.synthetic.separation", "reg.lambda"):
                value = column["axis:" + key][row]
                if value:
                    assert t.loc[tid, key] == float(value)
                else:
                    assert pd.isna(t.loc[tid, key])
            label = column["axis:label"][row]
            assert t.loc[tid, "label"] == (label.strip('"') if label else None)
    labelled = small.tasks[small.tasks.stage == "rowsum-layers"]
    assert sorted(labelled.label.unique()) == ["hidden 2 only", "output only"]
    assert dict(zip(labelled.label, labelled["reg.rowsum"])) == {"hidden 2 only": (1, 0), "output only": (0, 30)}
    assert small.tasks[small.tasks.stage != "rowsum-layers"].label.isna().all()


def test_parents_follow_the_studys_init_from(small):
    stages = {s["name"]: s for s in study()["stage"]}
    t = small.tasks.set_index("task")
    for tid, row in t.iterrows():
        parent_stage = stages[row.stage].get("init_from")
        if parent_stage is None:
            assert row.parent is None
            continue
        parent = t.loc[row.parent]
        assert parent.stage == parent_stage
        # The same values on every key the parent stage sweeps: seed replicate and separation.
        assert parent["axis:seed"] == row["axis:seed"]
        assert parent["data.synthetic.separation"] == (row["data.synthetic.separation"]
                                                       if row.stage == "rowsum" else 3.0)
    assert t.parent.notna().sum() == 12
    # Two lambdas per baseline task, and the labelled ablation from the separation-3 baselines.
    assert t[t.stage == "rowsum"].parent.value_counts().tolist() == [2] * 4
    # The parent column is what the settings name.
    for tid, row in t.iterrows():
        named = re.search(r'train\.init_from = "task:([0-9a-f]+)"', row.settings)
        assert row.parent == (named.group(1) if named else None)


def test_parent_attribute_and_settings_agree(tmp_path):
    """Format 2: the attribute `parent` is read when present; archives without it name the
    parent in the settings only, and give the same links."""
    old = tmp_path / "old.h5"
    shutil.copy(ROOT / "tests/fixtures/archives/0.4.0-558b5b7/complete.h5", old)
    with h5py.File(old, "r") as f:
        assert all("parent" in g.attrs for g in f["tasks"].values())
    links = archive.tasks(old).set_index("task").parent
    assert links.notna().sum() == 4
    with h5py.File(old, "r+") as f:
        for g in f["tasks"].values():
            del g.attrs["parent"]
    assert archive.tasks(old).set_index("task").parent.equals(links)
    # The attribute, when there, is what counts.
    with h5py.File(old, "r+") as f:
        child = links[links.notna()].index[0]
        f["tasks"][child].attrs["parent"] = "f" * 32
        f["tasks"][links.index[0]].attrs["parent"] = ""
    changed = archive.tasks(old).set_index("task").parent
    assert changed[child] == "f" * 32
    assert changed.drop(child).equals(links.drop(child))


NOISE_ARCHIVES = ["small_archive", "kinds_archive", "format 2 (0.4.0)"]


def noise_archive(which, request):
    if which.startswith("format 2"):
        return ROOT / "tests/fixtures/archives/0.4.0-558b5b7/complete.h5"
    return request.getfixturevalue(which)


@pytest.mark.parametrize("which", NOISE_ARCHIVES)
def test_noise_long_form(which, request):
    path = noise_archive(which, request)
    noise = archive.noise(path)
    raw = raw_noise(path)
    assert list(noise.columns) == ["task", "kind", "level", "repetition", "accuracy"]
    assert len(noise) == sum(acc.size for kinds in raw.values() for _, acc in kinds.values())
    assert noise.level.notna().all() and noise.accuracy.notna().all()
    for tid, kinds in raw.items():
        mine = noise[noise.task == tid]
        assert list(mine.kind.unique()) == list(kinds)
        for kind, (levels, accuracy) in kinds.items():
            got = mine[mine.kind == kind]
            assert np.array_equal(got.level.unique(), levels)
            table = got.pivot(index="level", columns="repetition", values="accuracy")
            assert np.array_equal(table.to_numpy(), accuracy)


def test_kinds_with_levels_of_their_own(kinds_archive):
    """Each kind keeps exactly its own levels: ragged rows in format 3, NaN padding dropped in
    format 2."""
    with h5py.File(kinds_archive, "r") as f:
        assert {len(levels) for levels in raw_ragged(f, "noise", "levels")} == {4, 3, 1}
    noise = archive.noise(kinds_archive)
    per_task = noise.groupby(["task", "kind"])["level"].nunique().unstack()
    assert per_task.to_dict("list") == {"ADC": [4, 4], "AddUnc": [3, 3], "ProgAdd": [1, 1]}
    assert sorted(noise[noise.kind == "ADC"].level.unique()) == [2, 4, 6, 8]
    assert len(noise) == 2 * (4 + 3 + 1) * 3
    assert set(noise.repetition) == {0, 1, 2}
    padded = ROOT / "tests/fixtures/archives/0.4.0-558b5b7/complete.h5"
    with h5py.File(padded, "r") as f:
        g = next(iter(f["tasks"].values()))
        assert g["noise/levels"].ndim == 2 and np.isnan(g["noise/levels"][()]).any()
    levels = archive.noise(padded).groupby("kind")["level"].unique().map(sorted).to_dict()
    assert levels == {"ADC": [2, 4, 8], "AddCor": [0.1, 1.0], "AddUnc": [0.1, 1.0], "Drift": [20, 20000],
                      "ProgAdd": [0.1, 0.3]}


def test_curves_and_statistics(small):
    with h5py.File(small.path, "r") as f:
        rows = raw_task_rows(f)
        curve_owner, layer_owner = raw_column(f, "curves", "task_row"), raw_column(f, "layers", "task_row")
        epochs = {tid: int((curve_owner == row).sum()) for tid, row in rows.items()}
        row_mean = raw_ragged(f, "layers", "row_mean")
        neurons = {tid: sum(len(row_mean[i]) for i in np.flatnonzero(layer_owner == row))
                   for tid, row in rows.items()}
        tid, row = next(iter(rows.items()))
        mine = curve_owner == row
        curve = small.curves[small.curves.task == tid]
        for name in ("epoch", "loss", "cross_entropy", "train_accuracy", "validation_accuracy"):
            assert np.array_equal(curve[name].to_numpy(), raw_column(f, "curves", name)[mine])
        layer_1 = np.flatnonzero((layer_owner == row) & (raw_column(f, "layers", "layer") == 1))[0]
        stats = small.layer_stats[(small.layer_stats.task == tid) & (small.layer_stats.layer == 1)]
        assert np.array_equal(stats.row_mean.to_numpy(), row_mean[layer_1])
        hidden_0 = np.flatnonzero((raw_column(f, "hidden", "task_row") == row)
                                  & (raw_column(f, "hidden", "layer") == 0))[0]
        hist = small.histograms.query("task == @tid and scope == 'hidden' and layer == 0 and "
                                      "quantity == 'preactivation'")
        assert hist["count"].tolist() == raw_ragged(f, "hidden", "preactivation_hist_counts")[hidden_0].tolist()
        edges = raw_ragged(f, "hidden", "preactivation_hist_edges")[hidden_0]
        assert np.array_equal(hist.left, edges[:-1]) and np.array_equal(hist.right, edges[1:])
    assert len(small.curves) == sum(epochs.values())
    assert small.tasks.set_index("task").epochs.to_dict() == epochs
    assert len(small.layer_stats) == sum(neurons.values())
    # 20-24-24-4: weight and bias histograms of 3 layers and two of each of 2 hidden layers.
    assert len(small.histograms) == 16 * (3 * 2 + 2 * 2) * 60
    # In each task, every layer's weights then biases, then every hidden layer's histograms.
    one = small.histograms[small.histograms.task == tid].drop_duplicates(["scope", "layer", "quantity"])
    assert list(zip(one.scope, one.layer, one.quantity)) == [
        ("layer", 0, "weight"), ("layer", 0, "bias"), ("layer", 1, "weight"), ("layer", 1, "bias"),
        ("layer", 2, "weight"), ("layer", 2, "bias"), ("hidden", 0, "preactivation"), ("hidden", 0, "input"),
        ("hidden", 1, "preactivation"), ("hidden", 1, "input")]


def added_in_order(values):
    """The sum of `values` added one after another from 0, as noisesweep adds them."""
    return functools.reduce(operator.add, np.ravel(values).tolist(), 0.0)


def test_summary_columns(small):
    """The columns of format 2's /summary, in its order: the seed's swept value as axis:seed."""
    assert list(small.summary.columns[:10]) == ["id", "stage", "status", "index", "seed", "axis:seed",
                                                "data.synthetic.separation", "reg.lambda", "label", "reg.rowsum"]
    assert list(small.summary.columns[10:13]) == ["clean_accuracy", "train_seconds", "eval_seconds"]
    kinds = ["AddUnc", "AddCor", "MulUnc", "MulCor"]
    assert list(small.summary.columns[13:]) == [f"{k}_{m}" for k in kinds for m in ("at_max", "mean")]
    assert small.summary["axis:seed"].astype(int).tolist() == small.tasks["axis:seed"].tolist()
    assert small.summary.clean_accuracy.tolist() == small.tasks.clean_accuracy.tolist()


@pytest.mark.parametrize("which", ["small_archive", "kinds_archive"])
def test_summary_is_computed_as_format_2_stored_it(which, request):
    """The accuracy columns from the raw rows, bit for bit, by format 2's rule: the mean over
    repetitions at the harshest level (the fewest bits, else the largest level), and over every
    level and repetition."""
    path = request.getfixturevalue(which)
    s = archive.summary(path).set_index("id")
    for tid, per_kind in raw_noise(path).items():
        for kind, (levels, accuracy) in per_kind.items():
            harshest = np.argmin(levels) if kind in ("ADC", "DAC") else np.argmax(levels)
            assert s.loc[tid, f"{kind}_at_max"] == added_in_order(accuracy[harshest]) / accuracy.shape[1]
            assert s.loc[tid, f"{kind}_mean"] == added_in_order(accuracy) / accuracy.size


def test_figures_read_with_the_same_reader(small):
    """analysis/figures builds its tasks from noisesweep.archive: the same parents, levels and
    accuracies as the tables."""
    from figures.archive import load as figures_load
    plotted = figures_load(small.path)
    t = small.tasks.set_index("task")
    assert {tid: task.parent for tid, task in plotted.tasks.items()} == t.parent.to_dict()
    rows = sum(e.accuracy.size for task in plotted.tasks.values() for e in task.noise.values())
    assert rows == len(small.noise)
    assert plotted.study_name == "test-small" and plotted.format_version == 3 and plotted.has_stats


def test_runs_give_the_provenance(retried_archive):
    """Two runs wrote the archive: its study is the last run's, its hosts every run's, its
    time from the first start to the last finish."""
    runs = archive.table(retried_archive, "runs")
    assert len(runs) == 2 and runs.study_name.tolist() == ["retry", "retry"]
    a = archive.load(retried_archive)
    assert a.attrs["study_name"] == "retry" and a.attrs["format_version"] == 3
    assert a.attrs["started"] == runs.started.min() and a.attrs["finished"] == runs.finished.max()
    assert a.attrs["hosts"] == list(dict.fromkeys(h for hosts in runs.hosts for h in hosts.split("\n") if h))
    assert a.study_text == runs.study_text.iloc[-1] and 'name = "retry"' in a.study_text
    assert "reused_from" not in a.attrs  # as in format 2: only when tasks were reused
    one_line_error(ROOT / "tests/fixtures/golden/golden.h5", "format_version 2 has no column tables",
                   lambda path: archive.table(path, "runs"))


# --- Both formats of one study -----------------------------------------------------------------

FRAMES = ("tasks", "noise", "curves", "layer_stats", "histograms", "summary")


@pytest.mark.parametrize("name", ["golden", "0.4.0"])
def test_format_3_holds_what_format_2_held(format_2_pairs, name):
    """`noisesweep merge` rewrites a format-2 archive as format 3: every table reads the same,
    value for value and type for type (format 2's /summary as stored, format 3's as computed
    here), and so do the provenance and the figures' tasks."""
    old, new = format_2_pairs[name]
    with h5py.File(old, "r") as f:
        assert int(f.attrs["format_version"]) == 2, f"{old} is no longer of format 2"
    a2, a3 = archive.load(old), archive.load(new)
    assert len(a2.tasks) > 0 and a2.summary.shape[1] > 10
    for frame in FRAMES:
        pd.testing.assert_frame_equal(getattr(a2, frame), getattr(a3, frame), check_exact=True, obj=frame)
    assert {k: v for k, v in a3.attrs.items() if k != "format_version"} == \
           {k: v for k, v in a2.attrs.items() if k != "format_version"}
    assert (a3.study_text, a3.swept_keys) == (a2.study_text, a2.swept_keys)
    for frame in FRAMES:  # read alone as in load()
        pd.testing.assert_frame_equal(getattr(archive, frame)(new), getattr(a3, frame), check_exact=True)

    from figures.archive import load as figures_load
    f2, f3 = figures_load(old), figures_load(new)
    assert [g.label for g in f2.groups] == [g.label for g in f3.groups]
    assert list(f2.tasks) == list(f3.tasks)
    for tid, t2 in f2.tasks.items():
        t3 = f3.tasks[tid]
        assert (t2.stage, t2.index, t2.axes, t2.parent, t2.clean) == (t3.stage, t3.index, t3.axes, t3.parent, t3.clean)
        assert t2.curve.keys() == t3.curve.keys() and all(np.array_equal(t2.curve[k], t3.curve[k]) for k in t2.curve)
        assert t2.kinds == t3.kinds
        for kind in t2.kinds:
            assert np.array_equal(t2.levels_of(kind), t3.levels_of(kind))
            assert np.array_equal(t2.accuracy_of(kind), t3.accuracy_of(kind))
        assert len(t2.layers) == len(t3.layers) and len(t2.hidden) == len(t3.hidden)
        for s2, s3 in zip(t2.layers + t2.hidden, t3.layers + t3.hidden):
            for field in s2.__dataclass_fields__:
                x2, x3 = getattr(s2, field), getattr(s3, field)
                if hasattr(x2, "edges"):
                    x2, x3 = np.concatenate([x2.edges, x2.counts]), np.concatenate([x3.edges, x3.counts])
                assert np.array_equal(x2, x3)


# --- What counts in a format-3 file ------------------------------------------------------------

def per_row(g, column):
    """The dataset of a table group with one entry per row for `column`."""
    return g[column + "_end"] if column + "_end" in g else g[column]


def stored_rows(g):
    """The rows every column of a table group holds, counted or not."""
    return min(len(per_row(g, text(c))) for c in g.attrs["columns"])


def append_rows(f, table, rows):
    """Appends rows after every stored row of `table`: column -> one value per row (an array
    per row for a ragged column). Columns not given get empty arrays, "" or zeros."""
    g = f[table]
    count = len(next(iter(rows.values())))
    for column in (text(c) for c in g.attrs["columns"]):
        ragged = column + "_end" in g
        ends = per_row(g, column)
        stored = len(ends)
        default = np.zeros(0) if ragged else "" if g[column].dtype == object else 0
        values = rows.get(column, [default] * count)
        ends.resize((stored + count,))
        if not ragged:
            ends[stored:] = values
            continue
        start = int(ends[stored - 1]) if stored else 0
        lengths = [len(v) for v in values]
        ends[stored:] = start + np.cumsum(lengths)
        g[column].resize((start + sum(lengths),))
        if sum(lengths):
            g[column][start:] = np.concatenate(values)


def commit(f, sequence=None):
    """Appends a /commits row that counts every stored row of every table; `sequence` 0 makes
    it a commit that was cut short."""
    commits = f["commits"]
    counts = {n: stored_rows(f[n]) for n in map(text, commits.attrs["columns"]) if n != "sequence"}
    counts["sequence"] = len(commits["sequence"]) + 1 if sequence is None else sequence
    append_rows(f, "commits", {n: [v] for n, v in counts.items()})


def same_archive(a, b):
    for frame in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, frame), getattr(b, frame), check_exact=True, obj=frame)
    assert (a.attrs, a.study_text, a.swept_keys) == (b.attrs, b.study_text, b.swept_keys)


def junk(f):
    """Rows a checkpoint cut short leaves: a new task and rows of existing ones in every task
    table, a run, then a commit row whose sequence was never written (0)."""
    ids = raw_column(f, "tasks", "id")
    append_rows(f, "tasks", {"id": ["f" * 32, ids[0]], "stage": ["junk"] * 2, "index": [0, 0],
                             "status": ["done"] * 2, "clean_accuracy": [9.0, 9.0], "noise_repetitions": [1, 1]})
    append_rows(f, "curves", {"task_row": [0, 0], "epoch": [99, 100], "loss": [9.0, 9.0]})
    append_rows(f, "noise", {"task_row": [0], "kind": ["ADC"], "levels": [np.array([2.0])],
                             "accuracy": [np.array([9.0])]})
    append_rows(f, "layers", {"task_row": [0], "layer": [7], "row_mean": [np.ones(3)]})
    append_rows(f, "runs", {"study_name": ["junk"], "hosts": ["elsewhere"], "started": [0.0], "finished": [9e9]})
    commit(f, sequence=0)


def test_rows_past_the_last_commit_are_ignored(small_archive, small, tmp_path):
    path = tmp_path / "junk.h5"
    shutil.copy(small_archive, path)
    with h5py.File(path, "r+", libver="latest") as f:
        junk(f)
        assert len(f["tasks/id"]) == 18 and committed(f)["tasks"] == 16
    read = archive.load(path)
    read.path = small.path
    same_archive(read, small)


def test_an_unfinished_commit_leaves_the_one_before(retried_archive, tmp_path):
    """A checkpoint cut short before its commit's sequence was written: the commit before it
    counts, here the first of the second run, which held the tasks that had all failed and the
    run's own row."""
    path = tmp_path / "cut.h5"
    shutil.copy(retried_archive, path)
    with h5py.File(path, "r+") as f:
        assert f["commits/tasks"][()].tolist() == [0, 3, 3, 6] and f["commits/runs"][()].tolist() == [1, 1, 2, 2]
        f["commits/sequence"][-1] = 0
    tasks = archive.tasks(path)
    assert len(tasks) == 3 and (tasks.status == "failed").all()
    assert tasks.message.str.contains("file not found").all() and (tasks.epochs == 0).all()
    assert archive.noise(path).empty and archive.curves(path).empty and archive.histograms(path).empty
    assert archive.summary(path).clean_accuracy.isna().all()
    assert archive.summary(path).columns[-1] == "eval_seconds"  # no kind was evaluated
    assert len(archive.table(path, "runs")) == 2
    assert archive.table(path, "commits").sequence.tolist() == [1, 2, 3, 0]  # all its rows


def test_a_task_run_again_counts_once(retried_archive):
    """Each task failed, then ran again: its done row counts, with its curves and noise."""
    with h5py.File(retried_archive, "r") as f:
        status = raw_column(f, "tasks", "status")
        assert status.tolist() == ["failed"] * 3 + ["done"] * 3
    a = archive.load(retried_archive)
    assert len(a.tasks) == 3 and (a.tasks.status == "done").all() and (a.tasks.message == "").all()
    assert a.tasks["index"].tolist() == [0, 1, 2] and (a.tasks.epochs == 2).all() and a.tasks.has_stats.all()
    assert len(a.noise) == 3 * (2 + 3) * 2 and len(a.curves) == 3 * 2
    assert a.summary.status.tolist() == ["done"] * 3 and a.summary.ADC_at_max.notna().all()
    from figures.archive import load as figures_load
    plotted = figures_load(retried_archive)
    assert plotted.skipped == 0 and len(plotted.tasks) == 3


def test_which_row_of_a_task_counts(retried_archive, tmp_path):
    """The first done row of a task counts, else its first row, wherever the others lie."""
    path = tmp_path / "again.h5"
    shutil.copy(retried_archive, path)
    before = archive.tasks(path).set_index("task")
    first = before.index[0]
    with h5py.File(path, "r+") as f:
        # Task `first` once more: done with other numbers, and failed. A new task, failed twice.
        append_rows(f, "tasks", {"id": [first, first, "e" * 32, "e" * 32], "stage": ["main"] * 4,
                                 "index": [0, 0, 3, 3], "status": ["done", "failed", "failed", "diverged"],
                                 "message": ["", "later", "first try", "second try"],
                                 "clean_accuracy": [0.125] * 4, "noise_repetitions": [2] * 4})
        append_rows(f, "curves", {"task_row": [6], "epoch": [1], "loss": [5.0]})
        commit(f)
    after = archive.tasks(path).set_index("task")
    # The same rows; a column of swept seeds now holds the new task's None, so it is float.
    pd.testing.assert_frame_equal(after.drop("e" * 32), before, check_dtype=False, check_exact=True)
    assert after.loc["e" * 32, ["status", "message", "index"]].tolist() == ["failed", "first try", 3]
    assert len(archive.curves(path)) == len(archive.curves(retried_archive))


def test_a_file_left_open_by_a_killed_writer_is_read(small_archive, small, tmp_path):
    """A writer killed mid-checkpoint leaves the file marked open for writing: h5py's plain
    open refuses it; the reader opens it as a single-writer/multiple-reader reader and sees the
    last commit."""
    path = tmp_path / "killed.h5"
    shutil.copy(small_archive, path)
    writer = (
        "import os, signal, sys, h5py\n"
        "f = h5py.File(sys.argv[1], 'r+', libver='latest')\n"
        "f.swmr_mode = True\n"
        "for table in ('tasks', 'curves', 'commits'):\n"
        "    for ds in f[table].values():\n"
        "        ds.resize((len(ds) + 3,))\n"
        "        if ds.dtype.kind in 'iuf':\n"
        "            ds[-3:] = 7\n"
        "f.flush()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", writer, str(path)], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    with pytest.raises(OSError, match="open for write"):
        h5py.File(path, "r")
    read = archive.load(path)
    read.path = small.path
    same_archive(read, small)
    from figures.archive import load as figures_load
    assert len(figures_load(path).tasks) == 16


# --- The table reader --------------------------------------------------------------------------

def write_table(f, name, columns, ragged=()):
    g = f.create_group(name)
    g.attrs["columns"] = list(columns)
    for column, values in columns.items():
        if column in ragged:
            g[column + "_end"] = np.cumsum([len(v) for v in values]).astype(np.uint64)
            values = np.concatenate(values)
        g.create_dataset(column, data=values, dtype=h5py.string_dtype() if isinstance(values[0], str) else None)
    return g


def test_read_table(tmp_path):
    path = tmp_path / "table.h5"
    with h5py.File(path, "w") as f:
        write_table(f, "t", {"name": ["a", "bé", "c"], "n": np.array([1, 2, 3]),
                             "values": [np.array([1.0]), np.array([]), np.array([2.0, 3.0, 4.0])]},
                    ragged={"values"})
    with h5py.File(path, "r") as f:
        whole = archive.read_table(f, "t")
        assert len(whole) == 3 and list(whole.columns) == ["name", "n", "values"]
        assert whole["name"].tolist() == ["a", "bé", "c"] and whole["n"].tolist() == [1, 2, 3]
        assert [r.tolist() for r in whole["values"].rows()] == [[1.0], [], [2.0, 3.0, 4.0]]
        two = archive.read_table(f, "t", rows=2, columns=["values", "n"])
        assert list(two.columns) == ["values", "n"] and two["n"].tolist() == [1, 2]
        assert two["values"].values.tolist() == [1.0]  # values past the counted rows are not read
        taken = whole.take([2, 0])
        assert taken["name"].tolist() == ["c", "a"] and [r.tolist() for r in taken["values"].rows()] == [[2, 3, 4], [1]]
        frame = whole.frame()
        assert frame.n.tolist() == [1, 2, 3] and frame["values"].map(len).tolist() == [1, 0, 3]
        for args, fragment in (({"rows": 4}, "/t/name: has 3 rows; the file says 4 count"),
                               ({"columns": ["nope"]}, "/t: no column 'nope'")):
            with pytest.raises(archive.ArchiveError, match=fragment):
                archive.read_table(f, "t", **args)
        with pytest.raises(archive.ArchiveError, match="no /u table"):
            archive.read_table(f, "u")


def one_line_error(path, fragment, read=archive.load):
    with pytest.raises(archive.ArchiveError) as caught:
        read(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    assert fragment in message, message


def test_malformed_tables_name_the_table(small_archive, tmp_path):
    def broken(name, edit):
        path = tmp_path / f"{name}.h5"
        shutil.copy(small_archive, path)
        with h5py.File(path, "r+") as f:
            edit(f)
        return path

    def fewer_repetitions(f):
        f["tasks/noise_repetitions"][0] = 1

    def foreign_curve(f):
        f["curves/task_row"][0] = 99

    def shorter_accuracy(f):
        f["noise/accuracy"].resize((10,))

    def flat_levels(f):
        del f["noise/levels_end"]

    with h5py.File(small_archive, "r") as f:
        first = raw_column(f, "tasks", "id")[0]
    one_line_error(broken("reps", fewer_repetitions), f"malformed archive: /noise: row 0: task {first}: "
                                                      f"6 accuracies for 3 levels x 1 repetitions")
    one_line_error(broken("owner", foreign_curve), "malformed archive: /curves: row 0 belongs to task row 99")
    one_line_error(broken("short", shorter_accuracy), "malformed archive: /noise/accuracy: has 10 values")
    one_line_error(broken("flat", flat_levels), "malformed archive: /noise/levels: not ragged")
    one_line_error(broken("commits", lambda f: f.__delitem__("commits")), "malformed archive: no /commits table")
    one_line_error(broken("runs", lambda f: f["commits/runs"].__setitem__(slice(None), 0)),
                   "malformed archive: /runs: no run has written this archive")
    # A table is checked when read: the task table alone still reads.
    assert len(archive.tasks(tmp_path / "reps.h5")) == 16
    one_line_error(tmp_path / "reps.h5", "/noise: row 0", archive.summary)


# --- Every format: files that are not archives, versions, malformed groups ----------------------

def test_errors_name_the_file_in_one_line(small_archive, tmp_path):
    one_line_error(tmp_path / "missing.h5", "no such file")
    (tmp_path / "study.toml").write_text("name = 'x'\n")
    one_line_error(tmp_path / "study.toml", "not an HDF5 file")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = 1
    one_line_error(tmp_path / "other.h5", "not a noisesweep study archive")
    with h5py.File(tmp_path / "weights.h5", "w") as f:
        f.attrs["format"] = "noisesweep-weights"
    one_line_error(tmp_path / "weights.h5", "a weights file")


@pytest.mark.parametrize("version", [0, 4, 99])
def test_unknown_format_version_is_refused(small_archive, tmp_path, version):
    path = tmp_path / f"v{version}.h5"
    shutil.copy(small_archive, path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = version
    one_line_error(path, f"unsupported archive format_version {version}")
    for read in (archive.tasks, archive.noise, archive.curves):
        with pytest.raises(archive.ArchiveError):
            read(path)


def test_malformed_task_names_it(tmp_path):
    path = tmp_path / "broken.h5"
    shutil.copy(ROOT / "tests/fixtures/golden/golden.h5", path)
    with h5py.File(path, "r+") as f:
        tid, g = next(iter(f["tasks"].items()))
        del g["noise/levels"]
    one_line_error(path, f"malformed archive: task {tid}")


def test_format_version_1_reads_without_statistics(tmp_path):
    path = tmp_path / "v1.h5"
    shutil.copy(ROOT / "tests/fixtures/golden/golden.h5", path)
    with h5py.File(path, "r+") as f:
        assert int(f.attrs["format_version"]) == 2 and all("stats" in g for g in f["tasks"].values())
        f.attrs["format_version"] = 1
        for g in f["tasks"].values():
            del g["stats"]
    old = archive.load(path)
    assert len(old.tasks) == 8 and old.layer_stats.empty and old.histograms.empty
    assert list(old.histograms.columns) == ["task", "scope", "layer", "quantity", "bin", "left", "right",
                                           "count"]
    assert not old.tasks.has_stats.any()


def test_toml_values():
    assert archive.toml_value("0.01") == 0.01
    assert archive.toml_value('"all terms"') == "all terms"
    assert archive.toml_value("[1, 30]") == (1, 30)
    assert archive.toml_value("[[100], [300, 300]]") == ((100,), (300, 300))
    assert archive.toml_value("not toml [") == "not toml ["


def test_package_imports_without_torch(small_archive):
    """Reading archives must not need torch, and the figures' reader not pandas either."""
    code = ("import sys; sys.modules['torch'] = sys.modules['pandas'] = None; sys.path.insert(0, sys.argv[1]); "
            "import noisesweep, noisesweep.archive, figures.archive")
    subprocess.run([sys.executable, "-c", code, str(ROOT / "analysis")], check=True)
    # And reads an archive of either format without them.
    code += "; [figures.archive.load(p) for p in sys.argv[2:]]"
    subprocess.run([sys.executable, "-c", code, str(ROOT / "analysis"), os.fspath(small_archive),
                    str(ROOT / "tests/fixtures/golden/golden.h5")], check=True)
