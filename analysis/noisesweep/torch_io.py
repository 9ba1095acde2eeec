"""noisesweep weights files to and from PyTorch, so that a network moves between the two
without retraining.

    from noisesweep import torch_io
    net = torch_io.to_torch("runs/base.h5")            # nn.Sequential: Linear, Sigmoid, ..., Linear
    net = torch_io.to_torch("runs/small.h5", task=ID)  # a task's kept weights in a study archive
    torch_io.from_torch(net, "runs/tuned.h5")          # usable as train.init_from

    python3 -m noisesweep.torch_io export W.h5 model.pt [--task ID]
    python3 -m noisesweep.torch_io import model.pt W.h5 [--noise-placement before]

A weights file (`noisesweep train ... --save-weights W.h5`, framework/io/weights_file.hpp)
holds /layers/<l>/W (float32, out x in: row i holds the weights into neuron i, as in
torch.nn.Linear.weight) and /layers/<l>/b (float32, out), and root attributes format,
format_version, activation, noise_placement, layer_sizes and settings. Every hidden layer
applies the same activation; the output layer gives logits, with none. So the PyTorch side is
an nn.Sequential of Linear layers with bias, one activation module between every two of them,
and nothing after the last. `from_torch` refuses, in one line naming the layer, whatever
noisesweep cannot compute: a convolution or any other layer, a Linear without bias, an
activation noisesweep lacks, two activations, layers whose sizes do not chain. What it writes
is checked as the program checks it (framework/io/weights_file.cpp), so a file it writes is one
`train.init_from` accepts.

The inputs are the data's standardised pixels, as noisesweep feeds them: (pixel / 255 - mean)
/ std for IDX data sets; `standardization(path)` gives (mean, std) when the run fixed them.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import tomllib
from collections import OrderedDict
from dataclasses import dataclass

import h5py
import numpy as np
import torch
from torch import nn

from . import archive as _archive

FORMAT = "noisesweep-weights"
FORMAT_VERSION = 1
NOISE_PLACEMENTS = ("after", "before")
# The standardisation of the data sets whose defaults noisesweep knows (framework/data/load.cpp).
DEFAULT_STANDARDIZATION = {"mnist": (0.1305, 0.3081), "fashion": (0.2860, 0.3530)}


class TorchIOError(Exception):
    """A weights file or a module that cannot be converted. The message is one line naming the
    file or the offending layer."""


class Erf(nn.Module):
    """noisesweep's `erf` activation, f(z) = erf(z); torch has the function, not the module."""

    def forward(self, z):
        return torch.erf(z)


class PhotonicSigmoid(nn.Module):
    """noisesweep's `photonic_sigmoid` (framework/engine/activation.hpp):
    f(z) = A2 - (A2 - A1) / (1 + exp((z - X0) / D)), and A2 beyond z > 20, computed in the
    same order as the program's."""
    A1, A2, X0, D, CUT = 0.06, 1.005, 0.145, 0.033, 20.0

    def forward(self, z):
        s = 1.0 / (1.0 + torch.exp((z - self.X0) / self.D))
        return torch.where(z > self.CUT, torch.full_like(z, self.A2), self.A2 - (self.A2 - self.A1) * s)


# noisesweep's activation names (model.activation) and the modules that compute them. GELU is
# the exact one (erf), as in noisesweep; its tanh approximation is refused.
ACTIVATIONS = OrderedDict([("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh), ("relu", nn.ReLU),
                           ("gelu", nn.GELU), ("erf", Erf), ("photonic_sigmoid", PhotonicSigmoid)])


@dataclass
class Weights:
    """A network as a weights file holds it: (W, b) per layer from the input side, W float32
    (out x in), b float32 (out)."""
    layers: list
    activation: str
    noise_placement: str = "after"
    settings: str = ""

    @property
    def layer_sizes(self):
        return [int(self.layers[0][0].shape[1])] + [int(w.shape[0]) for w, _ in self.layers]


# --- Reading and writing weights files ---------------------------------------------------------

def _check(weights, where):
    """The checks of framework/io/weights_file.cpp (shapes, a known activation and placement)
    and of loading (finite values), so that what passes here passes there. `where` names the
    file and group in messages."""
    if weights.activation not in ACTIVATIONS:
        raise TorchIOError(f"{where}: unknown activation '{weights.activation}' (noisesweep has "
                           f"{', '.join(ACTIVATIONS)})")
    if weights.noise_placement not in NOISE_PLACEMENTS:
        raise TorchIOError(f"{where}: unknown noise_placement '{weights.noise_placement}' "
                           f"(one of {', '.join(NOISE_PLACEMENTS)})")
    if len(weights.layers) < 2:
        raise TorchIOError(f"{where}: {len(weights.layers)} layer(s); noisesweep's networks have at "
                           f"least one hidden layer, so at least two")
    for l, (w, b) in enumerate(weights.layers):
        if w.ndim != 2 or w.shape[0] == 0 or w.shape[1] == 0:
            raise TorchIOError(f"{where}/layers/{l}/W: shape {w.shape}, expected (out, in), both >= 1")
        if b.shape != (w.shape[0],):
            raise TorchIOError(f"{where}/layers/{l}/b: shape {b.shape}, but W has {w.shape[0]} rows "
                               f"(one bias per neuron)")
        if l > 0 and w.shape[1] != weights.layers[l - 1][0].shape[0]:
            raise TorchIOError(f"{where}/layers/{l}/W: {w.shape[1]} columns, but the previous layer has "
                               f"{weights.layers[l - 1][0].shape[0]} neurons")
        for name, values in (("W", w), ("b", b)):
            if not np.all(np.isfinite(values)):
                raise TorchIOError(f"{where}/layers/{l}/{name}: holds a non-finite value; these weights "
                                   f"cannot start a run")


def _read_array(g, name, where, ndim):
    if name not in g or not isinstance(g[name], h5py.Dataset):
        raise TorchIOError(f"{where}/{name}: missing")
    d = g[name]
    # The program reads float32 and refuses wider types, which would lose precision.
    if d.dtype.kind != "f" or d.dtype.itemsize > 4:
        raise TorchIOError(f"{where}/{name}: holds {d.dtype} values; noisesweep reads float32")
    if d.ndim != ndim:
        raise TorchIOError(f"{where}/{name}: {d.ndim}-D, expected {ndim}-D")
    return np.asarray(d[()], dtype=np.float32)


def _read_model(g, where):
    """The weights below group `g` (a weights file's root, or an archive task's weights/)."""
    try:
        activation = _archive.text(g.attrs["activation"])
        placement = _archive.text(g.attrs["noise_placement"])
        settings = _archive.text(g.attrs.get("settings", ""))
        declared = [int(v) for v in np.atleast_1d(g.attrs["layer_sizes"])]
    except KeyError as e:
        raise TorchIOError(f"{where}: attribute {e} missing") from None
    if "layers" not in g:
        raise TorchIOError(f"{where}/layers: missing")
    layers = []
    for l in range(len(g["layers"])):
        if str(l) not in g["layers"]:
            raise TorchIOError(f"{where}/layers: no layer '{l}' (layers are numbered 0, 1, ...)")
        lg, lw = g["layers"][str(l)], f"{where}/layers/{l}"
        layers.append((_read_array(lg, "W", lw, 2), _read_array(lg, "b", lw, 1)))
    weights = Weights(layers, activation, placement, settings)
    _check(weights, where)
    if declared != weights.layer_sizes:
        raise TorchIOError(f"{where}: attribute 'layer_sizes' {declared} disagrees with the stored "
                           f"matrices {weights.layer_sizes}")
    return weights


def _check_archive_task(path, task, tasks, kept):
    """Refuses a task that is not named, not in the archive (`tasks`: its ids) or kept no
    weights (`kept`: the ids of those that did, sorted)."""
    if task is None:
        raise TorchIOError(f"{path}: a study archive: name the task whose weights to read "
                           f"(task=ID, --task ID); {len(kept)} task(s) kept theirs"
                           + (f", e.g. {kept[0]}" if kept else ""))
    if task not in tasks:
        raise TorchIOError(f"{path}: no task '{task}' in the archive")
    if task not in kept:
        raise TorchIOError(f"{path}: task {task} has no weights in the archive (the study's "
                           f"[archive] weights = \"needed\" keeps only those later stages start from)")


def _read_table_model(path, f, task):
    """The weights a format 3 archive kept for `task`: its rows in /models and /weights."""
    try:
        models = _archive.TableModels(f, path)
        _check_archive_task(path, task, set(models.ids), sorted(models.kept))
        stored = models.model(task)
    except _archive.ArchiveError as e:
        raise TorchIOError(str(e)) from None
    weights = Weights(stored.layers, stored.activation, stored.noise_placement, stored.settings)
    _check(weights, f"{path}:/weights of task {task}")
    return weights


def read_weights(path, task=None):
    """The Weights of a weights file, or with `task` (an id) of that task in a study archive
    (kept when the study's [archive] weights setting kept them)."""
    path = os.fspath(path)
    with _archive.open_hdf5(path, TorchIOError, "a weights file") as f:
        found = _archive.text(f.attrs.get("format", ""))
        if found == _archive.FORMAT:
            try:
                _archive.check_format(path, f)
            except _archive.ArchiveError as e:
                raise TorchIOError(str(e)) from None
            if _archive.format_version(f) >= _archive.TABLES_VERSION:
                return _read_table_model(path, f, task)
            kept = sorted(tid for tid, g in f["tasks"].items() if "weights" in g)
            _check_archive_task(path, task, f["tasks"], kept)
            return _read_model(f["tasks"][task]["weights"], f"{path}:/tasks/{task}/weights")
        if task is not None:
            raise TorchIOError(f"{path}: task={task!r} given, but this is not a study archive")
        if found != FORMAT:
            what = f"format is '{found}'" if found else "no 'format' attribute"
            raise TorchIOError(f"{path}: not a noisesweep weights file ({what}, expected '{FORMAT}')")
        version = int(f.attrs.get("format_version", -1))
        if version != FORMAT_VERSION:
            raise TorchIOError(f"{path}: unsupported weights format_version {version} (this reader "
                               f"knows version {FORMAT_VERSION})")
        return _read_model(f, path + ":")


def write_weights(path, weights):
    """Writes `weights` as noisesweep writes them (framework/io/weights_file.cpp): checked
    first, so that a refused file is never written, then into a temporary file that replaces
    `path` only when complete."""
    path = os.fspath(path)
    _check(weights, path + ":")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = np.int64(FORMAT_VERSION)
            f.attrs["activation"] = weights.activation
            f.attrs["noise_placement"] = weights.noise_placement
            f.attrs["layer_sizes"] = np.asarray(weights.layer_sizes, dtype=np.int64)
            f.attrs["settings"] = weights.settings
            layers = f.create_group("layers")
            for l, (w, b) in enumerate(weights.layers):
                g = layers.create_group(str(l))
                g.create_dataset("W", data=np.ascontiguousarray(w, dtype=np.float32))
                g.create_dataset("b", data=np.ascontiguousarray(b, dtype=np.float32))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def standardization(path, task=None):
    """(mean, std) that the run which wrote these weights subtracted from and divided its
    inputs by (after pixel / 255), when its settings fix them: data.mean and data.std, or the
    defaults of mnist and fashion. None when the run computed them from its training pixels
    (the value is not recorded: pass data.mean and data.std to the run to know it)."""
    settings = read_weights(path, task).settings
    try:
        data = tomllib.loads(settings).get("data", {})
    except tomllib.TOMLDecodeError:
        return None
    default = DEFAULT_STANDARDIZATION.get(data.get("name"), (None, None))
    mean, std = data.get("mean", default[0]), data.get("std", default[1])
    if mean is None or std is None or (isinstance(mean, float) and math.isnan(mean)):
        return None
    return float(mean), float(std)


# --- PyTorch -----------------------------------------------------------------------------------

def state_dict(path, task=None, dtype=torch.float32):
    """The parameters as a state_dict of `to_torch`'s nn.Sequential: "0.weight", "0.bias",
    "2.weight", ... (the odd positions hold the activations)."""
    weights = read_weights(path, task)
    state = OrderedDict()
    for l, (w, b) in enumerate(weights.layers):
        state[f"{2 * l}.weight"] = torch.from_numpy(w.copy()).to(dtype)
        state[f"{2 * l}.bias"] = torch.from_numpy(b.copy()).to(dtype)
    return state


def to_torch(path, task=None, dtype=torch.float32):
    """The network of a weights file (or of an archive's task) as an nn.Sequential of Linear
    layers with the file's activation between them, in eval mode. Its output is the logits.
    float32 reproduces noisesweep's arithmetic up to the order of summation."""
    weights = read_weights(path, task)
    modules = []
    for l, (w, _) in enumerate(weights.layers):
        if l > 0:
            modules.append(ACTIVATIONS[weights.activation]())
        modules.append(nn.Linear(w.shape[1], w.shape[0], dtype=dtype))
    net = nn.Sequential(*modules)
    net.load_state_dict(state_dict(path, task, dtype))
    return net.eval()


def _describe(module):
    """One line for a module in messages (a container's repr spans lines)."""
    return f"{type(module).__name__}({module.extra_repr()})".replace("\n", " ")


def _leaves(module, prefix=""):
    """(name, module) of every layer in the order nn.Sequential runs them, nested Sequentials
    opened. Any other module with children is a leaf, and is refused: its forward() may run
    them in any order."""
    if isinstance(module, nn.Sequential):
        for name, child in module.named_children():
            yield from _leaves(child, f"{prefix}.{name}" if prefix else name)
    else:
        yield prefix or "(the module)", module


def _is_layer(module):
    """Whether an unknown module is some other kind of layer (convolution, pooling,
    normalisation, reshaping, a container) rather than an activation of another name."""
    origin = type(module).__module__
    if origin.startswith("torch.nn.modules.") and origin != "torch.nn.modules.activation":
        return True
    return any(True for _ in module.children()) or any(True for _ in module.parameters())


def _activation_name(module):
    for name, cls in ACTIVATIONS.items():
        if type(module) is cls:
            if name == "gelu" and module.approximate != "none":
                return None
            return name
    return None


def from_torch(module, path=None, *, noise_placement="after", settings=None):
    """Writes `module` (an nn.Sequential: Linear, activation, Linear, ..., Linear) to `path`
    as a noisesweep weights file, usable as train.init_from, and returns its Weights (nothing
    is written when `path` is None). Layers that do nothing at inference (Dropout, Identity)
    and a Flatten before the first Linear are passed over. The parameters are stored as
    float32. Raises TorchIOError naming the offending layer for anything noisesweep cannot
    compute. `settings` (TOML text) is kept for provenance; by default it records the model."""
    if noise_placement not in NOISE_PLACEMENTS:
        raise TorchIOError(f"noise_placement '{noise_placement}': one of {', '.join(NOISE_PLACEMENTS)}")
    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)
    if not isinstance(module, nn.Sequential):
        raise TorchIOError(f"{_describe(module)}: not an nn.Sequential; the order in which a custom "
                           f"forward() runs its layers cannot be read (pass the nn.Sequential inside it)")
    layers, activation, previous = [], None, None  # previous: "linear" | "activation" | None
    last_linear = None
    for name, m in _leaves(module):
        where = f"layer '{name}' ({_describe(m)})"
        if isinstance(m, (nn.Dropout, nn.Identity)):
            continue
        if isinstance(m, nn.Flatten) and previous is None:
            continue
        if isinstance(m, nn.Linear):
            if m.bias is None:
                raise TorchIOError(f"{where}: a Linear without bias; every noisesweep layer has one "
                                   f"(use bias=True; a zero bias computes the same)")
            if previous == "linear":
                raise TorchIOError(f"{where}: follows layer '{last_linear}' without an activation; "
                                   f"noisesweep applies one between every two Linear layers")
            if layers and m.in_features != layers[-1][0].shape[0]:
                raise TorchIOError(f"{where}: takes {m.in_features} inputs, but layer '{last_linear}' "
                                   f"gives {layers[-1][0].shape[0]}")
            w = m.weight.detach().cpu().to(torch.float32).numpy().copy()
            b = m.bias.detach().cpu().to(torch.float32).numpy().copy()
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise TorchIOError(f"{where}: holds a non-finite parameter")
            layers.append((w, b))
            previous, last_linear = "linear", name
            continue
        kind = _activation_name(m)
        if kind is None:
            if isinstance(m, (nn.Softmax, nn.LogSoftmax)):
                problem = ("noisesweep's output layer gives logits and applies softmax in its loss; "
                           "drop this layer")
            elif isinstance(m, nn.GELU):
                problem = "GELU's tanh approximation; noisesweep's gelu is the exact one (approximate='none')"
            elif _is_layer(m):
                problem = (f"a {type(m).__name__} layer; noisesweep's networks have Linear layers and "
                           f"one activation ({', '.join(ACTIVATIONS)}) between them, nothing else")
            else:
                problem = (f"an activation noisesweep lacks; it has {', '.join(ACTIVATIONS)} (nn.Sigmoid, "
                           f"nn.Tanh, nn.ReLU, nn.GELU, noisesweep.torch_io.Erf, .PhotonicSigmoid)")
            raise TorchIOError(f"{where}: {problem}")
        if previous != "linear":
            raise TorchIOError(f"{where}: an activation " + ("before the first Linear layer" if previous is None
                                                              else "right after another one"))
        if activation is not None and kind != activation:
            raise TorchIOError(f"{where}: {kind}, but earlier layers use {activation}; noisesweep applies "
                               f"one activation to every hidden layer")
        activation, previous = kind, "activation"
        last_activation = where
    if not layers:
        raise TorchIOError(f"{_describe(module)}: no Linear layer")
    if previous != "linear":
        raise TorchIOError(f"{last_activation}: an activation after the last Linear layer; "
                           f"noisesweep's output layer gives logits, with none")
    if len(layers) < 2:
        raise TorchIOError(f"layer '{last_linear}': the only Linear layer; noisesweep's networks have at "
                           f"least one hidden layer")
    if settings is None:
        hidden = ", ".join(str(w.shape[0]) for w, _ in layers[:-1])
        settings = (f"# from PyTorch (noisesweep.torch_io.from_torch)\nmodel.hidden = [{hidden}]\n"
                    f"model.activation = \"{activation}\"\nmodel.noise_placement = \"{noise_placement}\"\n")
    weights = Weights(layers, activation, noise_placement, settings)
    if path is not None:
        write_weights(path, weights)
    return weights


def _from_state_dict(state, activation):
    """An nn.Sequential for a state_dict of Linear layers (keys '<n>.weight', '<n>.bias' in
    order, as nn.Sequential names them), with `activation` between them."""
    if activation not in ACTIVATIONS:
        raise TorchIOError(f"--activation {activation}: noisesweep has {', '.join(ACTIVATIONS)}")
    names = list(dict.fromkeys(k.rsplit(".", 1)[0] for k in state))
    modules = []
    for i, name in enumerate(names):
        w, b = state.get(name + ".weight"), state.get(name + ".bias")
        if w is None or w.ndim != 2:
            raise TorchIOError(f"state_dict entry '{name}': not a Linear layer (no 2-D '{name}.weight')")
        linear = nn.Linear(w.shape[1], w.shape[0], bias=b is not None)
        linear.load_state_dict({"weight": w, **({"bias": b} if b is not None else {})})
        modules += ([ACTIVATIONS[activation]()] if i else []) + [linear]
    return nn.Sequential(*modules)


# --- Command line ------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m noisesweep.torch_io",
                                description="noisesweep weights files to and from PyTorch.")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="weights file (or an archive's task) -> torch.save'd nn.Sequential")
    e.add_argument("weights", help="a weights file (--save-weights), or a study archive with --task")
    e.add_argument("model", help="output .pt file")
    e.add_argument("--task", help="the task id, when WEIGHTS is a study archive")
    i = sub.add_parser("import", help="torch.save'd nn.Sequential (or state_dict) -> weights file")
    i.add_argument("model", help="a .pt file holding an nn.Sequential, or a state_dict of one")
    i.add_argument("weights", help="output weights file, usable as train.init_from")
    i.add_argument("--noise-placement", default="after", choices=NOISE_PLACEMENTS)
    i.add_argument("--activation", help="for a state_dict: the activation between its layers")
    args = p.parse_args(argv)
    try:
        if args.command == "export":
            net = to_torch(args.weights, args.task)
            torch.save(net, args.model)
            sizes = read_weights(args.weights, args.task).layer_sizes
            print(f"{args.model}: {'-'.join(map(str, sizes))} network ({type(net[1]).__name__}), "
                  f"from {args.weights}")
        else:
            try:
                loaded = torch.load(args.model, map_location="cpu")
            except Exception as err:  # torch raises many kinds for a file it cannot read
                raise TorchIOError(f"{args.model}: not a file torch.load reads ({err})".replace("\n", " ")) from None
            if isinstance(loaded, dict):
                if args.activation is None:
                    raise TorchIOError(f"{args.model}: a state_dict; name its activation with --activation "
                                       f"({', '.join(ACTIVATIONS)})")
                loaded = _from_state_dict(loaded, args.activation)
            elif not isinstance(loaded, nn.Module):
                raise TorchIOError(f"{args.model}: holds a {type(loaded).__name__}, not a module or state_dict")
            weights = from_torch(loaded, args.weights, noise_placement=args.noise_placement)
            print(f"{args.weights}: {'-'.join(map(str, weights.layer_sizes))} network, "
                  f"{weights.activation}, from {args.model}")
    except TorchIOError as err:
        print(f"noisesweep.torch_io: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
