"""noisesweep.torch_io against weights files the program writes and reads: the PyTorch network
computes what the file's numbers compute (checked by a float64 forward pass of our own, straight
from the HDF5 datasets), files go both ways without changing a bit, the program accepts what
from_torch writes, and what noisesweep cannot compute is refused in one line naming the layer."""
import math
import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch
from torch import nn

from conftest import ROOT, environment, noisesweep, train_run_file
from noisesweep import archive, torch_io

ACTIVATIONS = ["sigmoid", "tanh", "relu", "gelu", "erf", "photonic_sigmoid"]
_erf = np.vectorize(math.erf)


def photonic(z):
    a1, a2, x0, d = 0.06, 1.005, 0.145, 0.033  # framework/engine/activation.hpp
    with np.errstate(over="ignore"):
        return np.where(z > 20.0, a2, a2 - (a2 - a1) / (1.0 + np.exp((z - x0) / d)))


NUMPY = {"sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)), "tanh": np.tanh,
         "relu": lambda z: np.maximum(z, 0.0), "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0))),
         "erf": _erf, "photonic_sigmoid": photonic}


def raw_layers(path, group="/"):
    """(activation, [(W, b)]) read with h5py alone, as float64."""
    with h5py.File(path, "r") as f:
        g = f[group]
        layers = [(g[f"layers/{l}/W"][()].astype(np.float64), g[f"layers/{l}/b"][()].astype(np.float64))
                  for l in range(len(g["layers"]))]
        return archive.text(g.attrs["activation"]), layers


def raw_archive_layers(path, task):
    """(activation, [(W, b)]) of a task's kept weights in a format-3 archive, read with h5py
    alone, as float64: the task's row in /tasks (its only one here), its /models row and its
    /weights rows, W stored row-major (rows x cols)."""
    with h5py.File(path, "r") as f:
        n = {c: int(f["commits"][c][-1]) for c in ("tasks", "models", "weights")}
        row = [archive.text(i) for i in f["tasks/id"][:n["tasks"]]].index(task)
        model = list(f["models/task_row"][:n["models"]]).index(row)
        ends = {name: f[f"weights/{name}_end"][:n["weights"]].astype(int) for name in ("W", "b")}
        layers = []
        for i in np.flatnonzero(f["weights/task_row"][:n["weights"]] == row):
            start = {name: ends[name][i - 1] if i else 0 for name in ("W", "b")}
            shape = (int(f["weights/rows"][i]), int(f["weights/cols"][i]))
            layers.append((f["weights/W"][start["W"]:ends["W"][i]].reshape(shape).astype(np.float64),
                           f["weights/b"][start["b"]:ends["b"][i]].astype(np.float64)))
        return archive.text(f["models/activation"][model]), layers


def numpy_forward(path, x, group="/", layers=None):
    """Logits in float64: z = W y + b per layer, W out x in; the activation on hidden layers.
    `layers`: (activation, [(W, b)]) given, else read from `group` of a weights file."""
    activation, layers = layers or raw_layers(path, group)
    y = np.asarray(x, dtype=np.float64)
    for l, (w, b) in enumerate(layers):
        y = y @ w.T + b
        if l < len(layers) - 1:
            y = NUMPY[activation](y)
    return y


def inputs(features, n=512, seed=0):
    return np.random.default_rng(seed).normal(size=(n, features)).astype(np.float32)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """activation -> (weights file, run file), each trained by `noisesweep train`."""
    folder = tmp_path_factory.mktemp("trained")
    files = {}
    for activation in ACTIVATIONS:
        run = train_run_file(folder, activation)
        noisesweep("train", run, "--save-weights", folder / f"{activation}.h5", "--quiet")
        files[activation] = (folder / f"{activation}.h5", run)
    return files


def assert_same_bits(a, b):
    """Two weights files hold the same network, bit for bit."""
    act_a, layers_a = raw_layers(a)
    act_b, layers_b = raw_layers(b)
    assert act_a == act_b and len(layers_a) == len(layers_b)
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for l in range(len(layers_a)):
            for name in ("W", "b"):
                x, y = fa[f"layers/{l}/{name}"], fb[f"layers/{l}/{name}"]
                assert x.dtype == y.dtype == np.float32 and x.shape == y.shape
                assert x[()].tobytes() == y[()].tobytes(), (l, name)
        assert list(fa.attrs["layer_sizes"]) == list(fb.attrs["layer_sizes"])
        assert archive.text(fa.attrs["noise_placement"]) == archive.text(fb.attrs["noise_placement"])


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_exported_network_computes_the_files_logits(trained, activation):
    path, _ = trained[activation]
    net = torch_io.to_torch(path)
    assert isinstance(net, nn.Sequential) and not net.training
    assert [type(m).__name__ for m in net][::2] == ["Linear"] * 3
    assert type(net[1]) is torch_io.ACTIVATIONS[activation]
    x = inputs(12)
    reference = numpy_forward(path, x)
    with torch.no_grad():
        logits = net(torch.from_numpy(x)).numpy()
        exact = torch_io.to_torch(path, dtype=torch.float64)(torch.from_numpy(x).double()).numpy()
    assert logits.dtype == np.float32 and logits.shape == (512, 4)
    scale = np.abs(reference).max()
    np.testing.assert_allclose(logits, reference, rtol=0, atol=2e-5 * (1 + scale))
    np.testing.assert_allclose(exact, reference, rtol=0, atol=1e-11 * (1 + scale))
    assert np.array_equal(exact.argmax(1), reference.argmax(1))


def test_state_dict_is_the_file_in_torchs_orientation(trained):
    path, _ = trained["sigmoid"]
    state = torch_io.state_dict(path)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    _, layers = raw_layers(path)
    for l, (w, b) in enumerate(layers):
        assert state[f"{2 * l}.weight"].shape == (w.shape[0], w.shape[1])  # out x in, as nn.Linear
        assert np.array_equal(state[f"{2 * l}.weight"].numpy(), w.astype(np.float32))
        assert np.array_equal(state[f"{2 * l}.bias"].numpy(), b.astype(np.float32))
    assert [tuple(s.shape) for s in state.values()][::2] == [(16, 12), (12, 16), (4, 12)]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_file_to_torch_to_file_is_exact(trained, tmp_path, activation):
    path, _ = trained[activation]
    weights = torch_io.from_torch(torch_io.to_torch(path), tmp_path / "again.h5")
    assert weights.activation == activation and weights.layer_sizes == [12, 16, 12, 4]
    assert_same_bits(path, tmp_path / "again.h5")


def torch_mlp(sizes, activation=nn.ReLU, seed=0):
    torch.manual_seed(seed)
    modules = []
    for i in range(len(sizes) - 1):
        modules += ([activation()] if i else []) + [nn.Linear(sizes[i], sizes[i + 1])]
    return nn.Sequential(*modules)


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh, nn.GELU, torch_io.PhotonicSigmoid])
def test_torch_to_file_to_torch_is_exact(tmp_path, activation):
    net = torch_mlp([12, 16, 12, 4], activation)
    torch_io.from_torch(net, tmp_path / "w.h5")
    back = torch_io.to_torch(tmp_path / "w.h5")
    assert [type(m) for m in back] == [type(m) for m in net]
    for (name, a), (name_b, b) in zip(net.state_dict().items(), back.state_dict().items()):
        assert name == name_b and torch.equal(a, b)
    x = torch.from_numpy(inputs(12))
    with torch.no_grad():
        assert torch.equal(net(x), back(x))


def test_program_reads_what_from_torch_writes(trained, tmp_path):
    """A torch network as train.init_from: the program starts from exactly its parameters
    (saved again after 0 epochs, bit for bit)."""
    _, run = trained["relu"]
    net = torch_mlp([12, 16, 12, 4], nn.ReLU, seed=3)
    torch_io.from_torch(net, tmp_path / "torch.h5", noise_placement="before")
    with h5py.File(tmp_path / "torch.h5", "r") as f:
        assert archive.text(f.attrs["noise_placement"]) == "before"
    noisesweep("train", run, "--set", "train.epochs=0", "--set", "model.noise_placement=\"before\"",
               "--set", f'train.init_from="{tmp_path / "torch.h5"}"',
               "--save-weights", tmp_path / "saved.h5", "--quiet")
    assert_same_bits(tmp_path / "torch.h5", tmp_path / "saved.h5")


def test_archive_tasks_weights(small_archive):
    tasks = archive.tasks(small_archive)
    kept = tasks[tasks.has_weights]
    assert set(kept.stage) == {"baseline"}  # weights = "needed": the tasks later stages start from
    tid = kept.task.iloc[0]
    net = torch_io.to_torch(small_archive, task=tid)
    x = inputs(20)
    with torch.no_grad():
        logits = torch_io.to_torch(small_archive, task=tid, dtype=torch.float64)(torch.from_numpy(x).double())
    np.testing.assert_allclose(logits.numpy(), numpy_forward(small_archive, x,
                                                             layers=raw_archive_layers(small_archive, tid)),
                               rtol=0, atol=1e-10)
    assert net[0].in_features == 20 and net[-1].out_features == 4
    for task, fragment in ((None, "name the task"), ("0" * 32, "no task"),
                           (tasks[~tasks.has_weights].task.iloc[0], "has no weights")):
        with pytest.raises(torch_io.TorchIOError, match=fragment):
            torch_io.to_torch(small_archive, task=task)


def test_archive_weights_of_either_format(format_2_pairs):
    """The weights a format-2 archive kept read bit for bit the same from its format-3 copy."""
    old, new = format_2_pairs["golden"]
    tasks = archive.tasks(old)
    kept = tasks[tasks.has_weights].task.tolist()
    assert len(kept) == 4 and archive.tasks(new).has_weights.tolist() == tasks.has_weights.tolist()
    for tid in kept:
        a, b = torch_io.read_weights(old, tid), torch_io.read_weights(new, tid)
        assert (a.activation, a.noise_placement, a.settings, a.layer_sizes) == \
               (b.activation, b.noise_placement, b.settings, b.layer_sizes)
        for (wa, ba), (wb, bb) in zip(a.layers, b.layers):
            assert wb.dtype == bb.dtype == np.float32
            assert wa.tobytes() == wb.tobytes() and ba.tobytes() == bb.tobytes()
    for path in (old, new):
        with pytest.raises(torch_io.TorchIOError, match=f"4 task\\(s\\) kept theirs, e.g. {min(kept)}"):
            torch_io.read_weights(path)


def refusal(module, fragment):
    with pytest.raises(torch_io.TorchIOError) as caught:
        torch_io.from_torch(module)
    message = str(caught.value)
    assert "\n" not in message and fragment in message, message
    return message


def test_refusals_name_the_layer(tmp_path):
    conv = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))
    assert refusal(conv, "Conv2d").startswith("layer '0' (Conv2d(1, 4, kernel_size=(3, 3)")
    no_bias = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 4, bias=False))
    assert refusal(no_bias, "without bias").startswith("layer '2' (Linear(in_features=16, out_features=4, bias=False))")
    assert refusal(nn.Sequential(nn.Linear(12, 16), nn.SiLU(), nn.Linear(16, 4)),
                   "an activation noisesweep lacks").startswith("layer '1' (SiLU())")

    class Swish(nn.Module):
        def forward(self, z):
            return z * torch.sigmoid(z)
    assert refusal(nn.Sequential(nn.Linear(12, 16), Swish(), nn.Linear(16, 4)),
                   "an activation noisesweep lacks").startswith("layer '1' (Swish())")
    refusal(nn.Sequential(nn.Linear(12, 16), nn.GELU(approximate="tanh"), nn.Linear(16, 4)), "tanh approximation")
    refusal(nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 4)),
            "layer '3' (Tanh()): tanh, but earlier layers use relu")
    refusal(nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(15, 4)), "layer '2' (Linear(in_features=15")
    refusal(nn.Sequential(nn.Linear(12, 16), nn.Linear(16, 4)), "without an activation")
    refusal(nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 4), nn.Softmax(dim=1)),
            "layer '3' (Softmax(dim=1)): noisesweep's output layer gives logits")
    refusal(nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 4), nn.ReLU()), "after the last Linear")
    refusal(nn.Sequential(nn.Linear(12, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4)),
            "layer '1' (BatchNorm1d(16")
    refusal(nn.Linear(12, 4), "at least one hidden layer")

    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(12, 4), nn.Linear(4, 2)

        def forward(self, x):
            return self.b(torch.relu(self.a(x)))
    refusal(Custom(), "not an nn.Sequential")
    assert not list(tmp_path.iterdir())  # nothing written for a refused module


def test_accepted_extras(tmp_path):
    """Nested Sequentials, a leading Flatten, Dropout and Identity (nothing at inference)."""
    net = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(12, 16), nn.Dropout(0.2), nn.Tanh()),
                        nn.Identity(), nn.Linear(16, 4))
    weights = torch_io.from_torch(net, tmp_path / "w.h5")
    assert weights.layer_sizes == [12, 16, 4] and weights.activation == "tanh"
    back = torch_io.to_torch(tmp_path / "w.h5")
    x = torch.from_numpy(inputs(12))
    with torch.no_grad():
        assert torch.equal(net.eval()(x), back(x))


def test_bad_weights_files(trained, tmp_path, small_archive):
    path, _ = trained["sigmoid"]
    cases = []
    for name, edit in (("version", lambda f: f.attrs.__setitem__("format_version", 7)),
                       ("format", lambda f: f.attrs.__setitem__("format", "other")),
                       ("float64", lambda f: (f["layers/1"].__delitem__("W"),
                                              f["layers/1"].create_dataset("W", data=np.zeros((12, 16))))),
                       ("sizes", lambda f: f.attrs.__setitem__("layer_sizes", np.array([12, 16, 12, 5]))),
                       ("activation", lambda f: f.attrs.__setitem__("activation", "swish"))):
        bad = tmp_path / f"{name}.h5"
        bad.write_bytes(path.read_bytes())
        with h5py.File(bad, "r+") as f:
            edit(f)
        cases.append((bad, {"version": "unsupported weights format_version 7",
                            "format": "not a noisesweep weights file", "float64": "float32",
                            "sizes": "layer_sizes", "activation": "unknown activation 'swish'"}[name]))
    cases.append((tmp_path / "none.h5", "no such file"))
    for bad, fragment in cases:
        with pytest.raises(torch_io.TorchIOError) as caught:
            torch_io.read_weights(bad)
        message = str(caught.value)
        assert "\n" not in message and message.startswith(str(bad)) and fragment in message, message


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "noisesweep.torch_io", *map(str, args)],
                          cwd=ROOT / "analysis", env=environment(), capture_output=True, text=True)


def test_command_line_both_ways(trained, tmp_path):
    path, _ = trained["gelu"]
    done = run_cli("export", path, tmp_path / "model.pt")
    assert done.returncode == 0, done.stderr
    assert "12-16-12-4" in done.stdout
    loaded = torch.load(tmp_path / "model.pt")
    assert isinstance(loaded, nn.Sequential) and isinstance(loaded[1], nn.GELU)
    done = run_cli("import", tmp_path / "model.pt", tmp_path / "back.h5")
    assert done.returncode == 0, done.stderr
    assert_same_bits(path, tmp_path / "back.h5")
    # A state_dict, with its activation named.
    torch.save(loaded.state_dict(), tmp_path / "state.pt")
    done = run_cli("import", tmp_path / "state.pt", tmp_path / "state.h5")
    assert done.returncode == 1 and "--activation" in done.stderr
    done = run_cli("import", tmp_path / "state.pt", tmp_path / "state.h5", "--activation", "gelu")
    assert done.returncode == 0, done.stderr
    assert_same_bits(path, tmp_path / "state.h5")
    # Refused: one line on stderr, exit 1, no traceback.
    torch.save(nn.Sequential(nn.Conv2d(1, 2, 3)), tmp_path / "conv.pt")
    done = run_cli("import", tmp_path / "conv.pt", tmp_path / "conv.h5")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "layer '0' (Conv2d" in done.stderr, done.stderr
    assert not (tmp_path / "conv.h5").exists()


def test_standardization(trained, tmp_path):
    path, _ = trained["sigmoid"]
    assert torch_io.standardization(path) is None  # synthetic data: computed, not recorded
    weights = torch_io.read_weights(path)
    assert 'data.name = "synthetic"' in weights.settings
    weights.settings = weights.settings.replace('data.name = "synthetic"', 'data.name = "mnist"')
    torch_io.write_weights(tmp_path / "mnist.h5", weights)
    assert torch_io.standardization(tmp_path / "mnist.h5") == (0.1305, 0.3081)
