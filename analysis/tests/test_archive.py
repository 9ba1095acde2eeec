"""noisesweep.archive against archives the program writes: the tables must say what the raw
HDF5 datasets say, computed here independently with h5py, and bad files must fail in one line."""
import shutil
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


@pytest.fixture(scope="module")
def small(small_archive):
    return archive.load(small_archive)


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
        for tid, g in f["tasks"].items():
            axes = {k: text(v) for k, v in g["axes"].attrs.items()}
            assert t.loc[tid, "axis:seed"] == int(axes["seed"])
            assert t.loc[tid, "seed"] == int(g.attrs["seed"])
            for key in ("data.synthetic.separation", "reg.lambda"):
                if key in axes:
                    assert t.loc[tid, key] == float(axes[key])
                else:
                    assert pd.isna(t.loc[tid, key])
            assert t.loc[tid, "label"] == (axes["label"].strip('"') if "label" in axes else None)
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


def test_parent_attribute_and_settings_agree(small_archive, tmp_path):
    """The attribute `parent` is read when present; archives without it name the parent in the
    settings only, and give the same links."""
    with h5py.File(small_archive, "r") as f:
        has_attribute = ["parent" in g.attrs for g in f["tasks"].values()]
    assert all(has_attribute)  # written by the program since the attribute came in
    links = archive.tasks(small_archive).set_index("task").parent
    old = tmp_path / "old.h5"
    shutil.copy(small_archive, old)
    with h5py.File(old, "r+") as f:
        for g in f["tasks"].values():
            if "parent" in g.attrs:
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


def raw_noise_rows(path):
    """Rows of the long form, from the raw datasets: per task and kind, the stored (finite)
    levels times the repetitions."""
    rows = 0
    with h5py.File(path, "r") as f:
        for g in f["tasks"].values():
            kinds = g["noise/kinds"][()]
            levels = g["noise/levels"][()]
            accuracy = g["noise/accuracy"][()]
            assert accuracy.shape[0] == len(kinds)
            per_kind = (np.isfinite(levels).sum(axis=1) if levels.ndim == 2
                        else np.full(len(kinds), levels.size))
            rows += int(per_kind.sum()) * accuracy.shape[2]
    return rows


@pytest.mark.parametrize("which", ["small_archive", "kinds_archive"])
def test_noise_long_form(which, request):
    path = request.getfixturevalue(which)
    noise = archive.noise(path)
    assert list(noise.columns) == ["task", "kind", "level", "repetition", "accuracy"]
    assert len(noise) == raw_noise_rows(path)
    assert noise.level.notna().all() and noise.accuracy.notna().all()
    with h5py.File(path, "r") as f:
        for tid, g in f["tasks"].items():
            kinds = [text(k) for k in g["noise/kinds"][()]]
            levels, accuracy = g["noise/levels"][()], g["noise/accuracy"][()]
            if levels.ndim == 1:
                levels = np.broadcast_to(levels, accuracy.shape[:2])
            mine = noise[noise.task == tid]
            assert list(mine.kind.unique()) == kinds
            for k, kind in enumerate(kinds):
                got = mine[mine.kind == kind]
                stored = np.isfinite(levels[k])
                assert np.array_equal(got.level.unique(), levels[k][stored])
                table = got.pivot(index="level", columns="repetition", values="accuracy")
                assert np.array_equal(table.to_numpy(), accuracy[k][stored])


def test_kinds_with_levels_of_their_own(kinds_archive):
    """(kinds, L) levels padded with NaN: each kind keeps exactly its own levels."""
    with h5py.File(kinds_archive, "r") as f:
        g = next(iter(f["tasks"].values()))
        assert g["noise/levels"].ndim == 2 and np.isnan(g["noise/levels"][()]).any()
    noise = archive.noise(kinds_archive)
    per_task = noise.groupby(["task", "kind"])["level"].nunique().unstack()
    assert per_task.to_dict("list") == {"ADC": [4, 4], "AddUnc": [3, 3], "ProgAdd": [1, 1]}
    assert sorted(noise[noise.kind == "ADC"].level.unique()) == [2, 4, 6, 8]
    assert len(noise) == 2 * (4 + 3 + 1) * 3 == raw_noise_rows(kinds_archive)
    assert set(noise.repetition) == {0, 1, 2}


def test_curves_and_statistics(small):
    with h5py.File(small.path, "r") as f:
        epochs = {tid: len(g["curve/loss"]) for tid, g in f["tasks"].items()}
        neurons = {tid: sum(len(l["row_mean"]) for l in g["stats/layers"].values())
                   for tid, g in f["tasks"].items()}
        tid, g = next(iter(f["tasks"].items()))
        curve = small.curves[small.curves.task == tid]
        for name in ("loss", "cross_entropy", "train_accuracy", "validation_accuracy"):
            assert np.array_equal(curve[name].to_numpy(), g["curve"][name][()])
        assert curve.epoch.tolist() == g["curve/epoch"][()].tolist()
        stats = small.layer_stats[(small.layer_stats.task == tid) & (small.layer_stats.layer == 1)]
        assert np.array_equal(stats.row_mean.to_numpy(), g["stats/layers/1/row_mean"][()])
        hist = small.histograms.query("task == @tid and scope == 'hidden' and layer == 0 and "
                                      "quantity == 'preactivation'")
        assert hist["count"].tolist() == g["stats/hidden/0/preactivation_hist_counts"][()].tolist()
        edges = g["stats/hidden/0/preactivation_hist_edges"][()]
        assert np.array_equal(hist.left, edges[:-1]) and np.array_equal(hist.right, edges[1:])
    assert len(small.curves) == sum(epochs.values())
    assert small.tasks.set_index("task").epochs.to_dict() == epochs
    assert len(small.layer_stats) == sum(neurons.values())
    # 20-24-24-4: weight and bias histograms of 3 layers and two of each of 2 hidden layers.
    assert len(small.histograms) == 16 * (3 * 2 + 2 * 2) * 60


def test_figures_read_with_the_same_reader(small):
    """analysis/figures builds its tasks from noisesweep.archive: the same parents, levels and
    accuracies as the tables."""
    from figures.archive import load as figures_load
    plotted = figures_load(small.path)
    t = small.tasks.set_index("task")
    assert {tid: task.parent for tid, task in plotted.tasks.items()} == t.parent.to_dict()
    rows = sum(e.accuracy.size for task in plotted.tasks.values() for e in task.noise.values())
    assert rows == len(small.noise)


def one_line_error(path, fragment):
    with pytest.raises(archive.ArchiveError) as caught:
        archive.load(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    assert fragment in message, message


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


@pytest.mark.parametrize("version", [0, 3, 99])
def test_unknown_format_version_is_refused(small_archive, tmp_path, version):
    path = tmp_path / f"v{version}.h5"
    shutil.copy(small_archive, path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = version
    one_line_error(path, f"unsupported archive format_version {version}")
    for read in (archive.tasks, archive.noise, archive.curves):
        with pytest.raises(archive.ArchiveError):
            read(path)


def test_malformed_task_names_it(small_archive, tmp_path):
    path = tmp_path / "broken.h5"
    shutil.copy(small_archive, path)
    with h5py.File(path, "r+") as f:
        tid, g = next(iter(f["tasks"].items()))
        del g["noise/levels"]
    one_line_error(path, f"malformed archive: task {tid}")


def test_format_version_1_reads_without_statistics(small_archive, tmp_path):
    path = tmp_path / "v1.h5"
    shutil.copy(small_archive, path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = 1
        for g in f["tasks"].values():
            del g["stats"]
    old = archive.load(path)
    assert len(old.tasks) == 16 and old.layer_stats.empty and old.histograms.empty
    assert list(old.histograms.columns) == ["task", "scope", "layer", "quantity", "bin", "left", "right",
                                           "count"]
    assert not old.tasks.has_stats.any()


def test_toml_values():
    assert archive.toml_value("0.01") == 0.01
    assert archive.toml_value('"all terms"') == "all terms"
    assert archive.toml_value("[1, 30]") == (1, 30)
    assert archive.toml_value("[[100], [300, 300]]") == ((100,), (300, 300))
    assert archive.toml_value("not toml [") == "not toml ["


def test_package_imports_without_torch():
    """Reading archives must not need torch, and the figures' reader not pandas either."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['torch'] = sys.modules['pandas'] = None; sys.path.insert(0, sys.argv[1]); "
            "import noisesweep, noisesweep.archive, figures.archive")
    subprocess.run([sys.executable, "-c", code, str(ROOT / "analysis")], check=True)

