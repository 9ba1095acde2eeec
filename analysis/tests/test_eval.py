"""A network moved between noisesweep and PyTorch predicts the same, both ways, on an IDX data
set written here: `noisesweep eval --logits` gives the program's clean logits on the test set,
PyTorch computes its own on the same pixels, standardised as the program standardises them
(framework/data/idx.cpp: pixel / 255, then (x - mean) / std, all in float32)."""
import h5py
import numpy as np
import pytest
import torch
from torch import nn

from conftest import IDX_CLASSES as CLASSES, IDX_SIDE as SIDE, noisesweep, write_idx
from noisesweep import archive, torch_io

MEAN, STD = 0.25, 0.35  # fixed in the run file, so both sides standardise alike


def standardised(images):
    """The program's inputs, in its float32 order of operations."""
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
    return (x - np.float32(MEAN)) / np.float32(STD)


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("idx")
    sets = write_idx(folder)
    return folder, sets


def run_file(folder, data_dir, activation="sigmoid"):
    path = folder / f"idx-{activation}.toml"
    path.write_text(f"""seed = 11
data.name = "idx"
data.dir = "{data_dir}"
data.classes = {CLASSES}
data.mean = {MEAN}
data.std = {STD}
model.hidden = [24, 16]
model.activation = "{activation}"
train.epochs = 6
train.lr = 0.05
train.batch_size = 32
eval.kinds = ["AddUnc"]
eval.levels = [0.1]
eval.repetitions = 1
""")
    return path


def program_logits(weights, run, out):
    """noisesweep eval's clean logits, predictions and labels of the test set."""
    noisesweep("eval", weights, run, "--logits", out, "--quiet")
    with h5py.File(out, "r") as f:
        assert archive.text(f.attrs["format"]) == "noisesweep-logits"
        assert np.float32(f.attrs["data_mean"]) == np.float32(MEAN)
        assert np.float32(f.attrs["data_std"]) == np.float32(STD)
        return f["logits"][()], f["predicted"][()], f["labels"][()]


def agree(torch_logits, logits, predicted, labels, test_labels):
    assert logits.dtype == np.float32 and logits.shape == (200, CLASSES)
    assert np.array_equal(labels, test_labels)
    assert np.array_equal(predicted, logits.argmax(axis=1))
    mine = torch_logits.argmax(axis=1)
    differ = np.flatnonzero(mine != predicted)
    assert differ.size == 0, f"{differ.size} predictions differ, e.g. sample {differ[:5]}"
    # Logits within float32 rounding: the two sum the products in another order.
    np.testing.assert_allclose(torch_logits, logits, rtol=0, atol=1e-5 * (1 + np.abs(logits).max()))
    return (predicted == labels).mean()


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_noisesweep_network_in_torch(idx, tmp_path, activation):
    """Trained by noisesweep, evaluated by PyTorch: the same argmax on every test sample."""
    data_dir, sets = idx
    run = run_file(tmp_path, data_dir, activation)
    noisesweep("train", run, "--save-weights", tmp_path / "w.h5", "--quiet")
    logits, predicted, labels = program_logits(tmp_path / "w.h5", run, tmp_path / "logits.h5")
    net = torch_io.to_torch(tmp_path / "w.h5")
    with torch.no_grad():
        mine = net(torch.from_numpy(standardised(sets["t10k"][0]))).numpy()
    accuracy = agree(mine, logits, predicted, labels, sets["t10k"][1])
    assert accuracy > 0.5  # a network that learnt something: the argmax is no coin toss


def test_torch_network_in_noisesweep(idx, tmp_path):
    """Trained one epoch by PyTorch, imported, evaluated clean by noisesweep: the same
    predictions as PyTorch's."""
    data_dir, sets = idx
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(SIDE * SIDE, 32), nn.Tanh(), nn.Linear(32, 16), nn.Tanh(),
                        nn.Linear(16, CLASSES))
    x = torch.from_numpy(standardised(sets["train"][0]))
    y = torch.from_numpy(sets["train"][1].astype(np.int64))
    optimiser = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for batch in torch.randperm(len(x)).split(32):  # one epoch
        optimiser.zero_grad()
        nn.functional.cross_entropy(net(x[batch]), y[batch]).backward()
        optimiser.step()
    net.eval()
    torch_io.from_torch(net, tmp_path / "torch.h5")
    run = run_file(tmp_path, data_dir)  # its model settings give way to the weights'
    logits, predicted, labels = program_logits(tmp_path / "torch.h5", run, tmp_path / "logits.h5")
    with torch.no_grad():
        mine = net(torch.from_numpy(standardised(sets["t10k"][0]))).numpy()
    accuracy = agree(mine, logits, predicted, labels, sets["t10k"][1])
    assert accuracy > 0.5
