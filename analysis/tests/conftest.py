"""Shared by the tests of analysis/noisesweep: the program under test, the archives and weights
files it writes, and the rule that a skipped test fails the suite.

ctest runs the suite (tests/CMakeLists.txt, test `python_package`) with NOISESWEEP_BIN set to the
built program. By hand:

    NOISESWEEP_BIN=build/noisesweep /usr/bin/python3 -m pytest -q analysis/tests

The tests write every file they read (archives by `noisesweep run`, weights by `noisesweep
train`, IDX data sets), so they need neither the network nor data/; archives of format 2, which
the program no longer writes, are the committed fixtures of tests/fixtures.
"""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))  # noisesweep and figures, as plots.py finds them


# --- A skipped test fails the suite ------------------------------------------------------------
# A test skipped here checked nothing, and the suite must not pass for it (as framework/tools/
# test.sh fails ctest's skipped tests). Missing modules (torch, pandas) are import errors at
# collection, which fail the run too: no test uses pytest.importorskip.

_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_line(f"FAILED: {len(_skipped)} skipped test(s), and a skipped test fails "
                                    f"this suite: {', '.join(_skipped)}", red=True)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and session.exitstatus == 0:
        session.exitstatus = 1


# --- The program -------------------------------------------------------------------------------

def program_path():
    path = os.environ.get("NOISESWEEP_BIN")
    if not path:
        pytest.fail("NOISESWEEP_BIN is not set: the path of the built noisesweep program "
                    "(ctest sets it; by hand: NOISESWEEP_BIN=build/noisesweep)", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"NOISESWEEP_BIN={path}: not an executable program", pytrace=False)
    return path


def environment():
    env = dict(os.environ)
    if os.getuid() == 0:  # Open MPI refuses root unless told; CI runs as root
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def noisesweep(*args, cwd=None):
    """Runs the program; its output on success, a failed test showing stderr otherwise."""
    command = [program_path(), *map(str, args)]
    done = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}", pytrace=False)
    return done.stdout


@pytest.fixture(scope="session")
def small_archive(tmp_path_factory):
    """The test study (studies/test-small.toml: 16 tasks in 3 stages, a grid, fine-tuning,
    labelled variants), run once for the session."""
    path = tmp_path_factory.mktemp("small") / "small.h5"
    noisesweep("run", ROOT / "studies" / "test-small.toml", "-o", path, "--threads", 2)
    return path


# A study whose kinds have levels of their own: the archive stores noise/levels as (kinds, L),
# padded with NaN.
KINDS_STUDY = """
name = "kinds"
seed = 3
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 600, features = 8, classes = 3}
model.hidden = [10, 10]
train.epochs = 2
eval.kinds = ["AddUnc", "ADC", "ProgAdd"]
eval.levels = [0.01, 0.1, 1.0]
eval.ADC.levels = [2, 4, 6, 8]
eval.ProgAdd.levels = [0.1]
eval.repetitions = 3
[grid]
seed = {replicates = 2}
"""


@pytest.fixture(scope="session")
def kinds_archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kinds")
    (folder / "kinds.toml").write_text(KINDS_STUDY)
    noisesweep("run", folder / "kinds.toml", "-o", folder / "kinds.h5", "--threads", 2)
    return folder / "kinds.h5"


def train_run_file(folder, activation="sigmoid", hidden=(16, 12), epochs=3, extra=""):
    """A small synthetic run file; returns its path."""
    path = pathlib.Path(folder) / f"run-{activation}.toml"
    path.write_text(f"""seed = 5
data.name = "synthetic"
data.synthetic = {{samples = 900, features = 12, classes = 4}}
model.hidden = [{', '.join(map(str, hidden))}]
model.activation = "{activation}"
train.epochs = {epochs}
train.lr = 0.05
eval.levels = [0.1]
eval.repetitions = 1
{extra}""")
    return path


# --- IDX data sets ------------------------------------------------------------------------------

IDX_SIDE, IDX_CLASSES = 8, 5


def write_idx(folder, seed=0):
    """train (600) and t10k (200) images of IDX_SIDE x IDX_SIDE pixels, named as MNIST's files.
    A class is a bright row and a bright column, over noise: learnt in an epoch or two."""
    rng = np.random.default_rng(seed)
    sets = {}
    for prefix, n in (("train", 600), ("t10k", 200)):
        labels = (rng.permutation(n) % IDX_CLASSES).astype(np.uint8)
        images = (rng.random((n, IDX_SIDE, IDX_SIDE)) * 120).astype(np.uint8)
        rows = np.arange(n)
        images[rows, labels, :] = np.maximum(images[rows, labels, :], 200)
        images[rows, :, IDX_SIDE - 1 - labels] = np.maximum(images[rows, :, IDX_SIDE - 1 - labels], 160)
        with open(folder / f"{prefix}-images-idx3-ubyte", "wb") as f:
            f.write(np.array([0x803, n, IDX_SIDE, IDX_SIDE], dtype=">u4").tobytes() + images.tobytes())
        with open(folder / f"{prefix}-labels-idx1-ubyte", "wb") as f:
            f.write(np.array([0x801, n], dtype=">u4").tobytes() + labels.tobytes())
        sets[prefix] = (images, labels)
    return sets


# --- Archives of both formats ------------------------------------------------------------------

# Committed archives of format 2 (tests/fixtures/README.md): the golden one keeps network
# statistics and weights; the fixture of release 0.4.0 has kinds with levels of their own (NaN
# padded), parents by attribute, and fine-tuning.
FORMAT_2_ARCHIVES = {"golden": ROOT / "tests" / "fixtures" / "golden" / "golden.h5",
                     "0.4.0": ROOT / "tests" / "fixtures" / "archives" / "0.4.0-558b5b7" / "complete.h5"}


@pytest.fixture(scope="session")
def format_2_pairs(tmp_path_factory):
    """name -> (the committed format-2 archive, the format-3 archive `noisesweep merge` makes of
    it): the same study, tasks and numbers in both layouts."""
    folder = tmp_path_factory.mktemp("format2")
    pairs = {}
    for name, path in FORMAT_2_ARCHIVES.items():
        noisesweep("merge", path, "-o", folder / f"{name}.h5")
        pairs[name] = (path, folder / f"{name}.h5")
    return pairs


RETRY_STUDY = """
name = "retry"
seed = 3
[defaults]
data.name = "idx"
data.dir = "{data}"
data.classes = 5
data.mean = 0.25
data.std = 0.35
model.hidden = [8]
train.epochs = 2
eval.kinds = ["AddUnc", "ADC"]
eval.levels = [0.1, 1.0]
eval.ADC.levels = [2, 4, 8]
eval.repetitions = 2
[grid]
seed = {{replicates = 3}}
"""


@pytest.fixture(scope="session")
def retried_archive(tmp_path_factory):
    """An archive whose every task has two /tasks rows, failed then done: the study ran without
    its data set, then again with `--retry-failed` once the data was there. Two runs, so two
    /runs rows."""
    folder = tmp_path_factory.mktemp("retry")
    (folder / "data").mkdir()
    (folder / "retry.toml").write_text(RETRY_STUDY.format(data=folder / "data"))
    run = [program_path(), "run", folder / "retry.toml", "-o", folder / "retry.h5", "--threads", 1]
    done = subprocess.run(list(map(str, run)), env=environment(), capture_output=True, text=True)
    if "3 task(s) failed" not in done.stderr + done.stdout:
        pytest.fail(f"the run without data did not fail its 3 tasks (exit {done.returncode}):\n{done.stderr}",
                    pytrace=False)
    write_idx(folder / "data")
    noisesweep("run", folder / "retry.toml", "-o", folder / "retry.h5", "--threads", 1, "--retry-failed")
    return folder / "retry.h5"
