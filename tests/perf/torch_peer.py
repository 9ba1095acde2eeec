#!/usr/bin/env python3
"""PyTorch peer for the noisesweep benchmark.

Trains the paper's MLP (784-300-300-10, sigmoid, cross-entropy, Adagrad lr 0.01) for one epoch
on random data of MNIST shape, then runs the naive noisy evaluation: for every draw, a full
forward pass over the evaluation set with AddUnc Gaussian noise after every hidden activation.
Both phases are timed on one thread, excluding data generation, and reported as ONE line of
JSON on stdout so the benchmark driver can compare it with our engine. OpenBLAS runs the
kernels matching the CPU's instruction sets (see --openblas-core); "blas" in the output says
which ones ran.

Needs torch; Debian's python3-torch installs it for /usr/bin/python3 (not for pyenv/venv
interpreters that may come first on PATH).
"""
import argparse
import ctypes
import json
import math
import os
import sys
import time

ACTIVATION_NAMES = ["erf", "gelu", "relu", "sigmoid", "tanh"]
OPTIMIZER_NAMES = ["adagrad", "adam", "sgd"]

# Filled in by load_torch(): torch must not load before the BLAS environment is set.
torch = None
nn = None


def openblas_core_for_this_cpu():
    """The OpenBLAS kernel family matching this CPU's instruction sets, or None.

    OpenBLAS's DYNAMIC_ARCH picks kernels by CPU model number; a CPU newer than the library
    (or a VM hiding the model) falls back to "Prescott" (SSE3) kernels, 2-3x slower than the
    AVX2/AVX-512 code our engine gets from -march=native. Choosing by instruction set instead
    keeps the comparison about the frameworks, not about a detection table."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                          if line.startswith("flags")), [])
    except OSError:
        return None
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"} <= set(flags):
        return "SkylakeX"
    if {"avx2", "fma"} <= set(flags):
        return "Haswell"
    if "avx" in flags:
        return "SandyBridge"
    return None


def load_torch(openblas_core):
    # A single-threaded comparison: pin OpenBLAS and OpenMP before torch loads them, because
    # torch.set_num_threads() does not reach OpenBLAS's own thread pool.
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    if openblas_core == "auto":
        openblas_core = os.environ.get("OPENBLAS_CORETYPE") or openblas_core_for_this_cpu()
    if openblas_core and openblas_core != "detect":
        os.environ["OPENBLAS_CORETYPE"] = openblas_core
    global torch, nn
    try:
        import torch
        from torch import nn
    except ImportError:
        sys.exit(f"torch_peer.py: torch is not importable by {sys.executable}; "
                 "run it with the interpreter that has torch (Debian: /usr/bin/python3)")


def activation_function(name):
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "gelu": torch.nn.functional.gelu,
        "erf": torch.erf,
    }[name]


def make_optimizer(name, params, lr):
    return {
        "adagrad": torch.optim.Adagrad,
        "adam": torch.optim.Adam,
        "sgd": torch.optim.SGD,
    }[name](params, lr=lr)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hidden", type=int, nargs="+", default=[300, 300])
    p.add_argument("--inputs", type=int, default=784)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--train-samples", type=int, default=48000)
    p.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="adagrad")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--eval-samples", type=int, default=10000)
    p.add_argument("--eval-draws", type=int, default=3)
    p.add_argument("--eval-chunk", type=int, default=2000, help="samples per forward pass")
    p.add_argument("--noise-variance", type=float, default=0.1, help="AddUnc variance")
    p.add_argument("--activation", choices=ACTIVATION_NAMES, default="sigmoid")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--openblas-core", default="auto",
                   help="OpenBLAS kernel family: 'auto' (from the CPU's instruction sets, unless "
                        "OPENBLAS_CORETYPE is set), 'detect' (OpenBLAS's own detection), or a "
                        "name such as Haswell or SkylakeX")
    return p.parse_args()


def build_mlp(sizes, activation):
    """nn.Linear layers with `activation` after each hidden one; forward() takes the standard
    deviation of AddUnc noise added after every hidden activation (0: none)."""
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(
                nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes, sizes[1:]))
            self.activation = activation_function(activation)

        def forward(self, x, noise_std=0.0):
            for layer in self.layers[:-1]:
                x = self.activation(layer(x))
                if noise_std > 0:
                    x = x + torch.randn_like(x) * noise_std  # AddUnc: independent per neuron
            return self.layers[-1](x)

    return MLP()


def blas_description():
    """Which BLAS does the work. Debian's torch reports BLAS_INFO=generic and gets OpenBLAS
    through the libblas.so.3 alternative, so also look at the libraries actually loaded."""
    config = torch.__config__.show()
    if "openblas" in config.lower():
        return "openblas (torch build config)"
    torch.ones(8, 8) @ torch.ones(8, 8)  # make sure the BLAS is loaded
    try:
        with open("/proc/self/maps") as maps:
            loaded = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        loaded = set()
    for path in sorted(loaded):
        if "libopenblas" in os.path.basename(path):
            try:
                get_config = ctypes.CDLL(path).openblas_get_config
                get_config.restype = ctypes.c_char_p
                return f"{get_config().decode().strip()} ({path})"
            except (OSError, AttributeError):
                return f"openblas ({path})"
    blas_info = [part.strip() for part in config.split(",") if "BLAS_INFO" in part]
    return blas_info[0] if blas_info else "unknown"


def train_one_epoch(model, optimizer, x, y, batch):
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    order = torch.randperm(len(x))  # a shuffled epoch, as DataLoader(shuffle=True) gives
    for first in range(0, len(x), batch):
        idx = order[first:first + batch]
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    if not math.isfinite(loss.item()):
        sys.exit(f"torch_peer.py: training diverged (loss = {loss.item()})")
    return seconds


def noisy_eval(model, x, y, draws, chunk, noise_std):
    model.eval()
    correct = 0
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(draws):
            for first in range(0, len(x), chunk):
                logits = model(x[first:first + chunk], noise_std)
                correct += (logits.argmax(dim=1) == y[first:first + chunk]).sum().item()
    return time.perf_counter() - start, correct


def main():
    args = parse_args()
    load_torch(args.openblas_core)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    sizes = [args.inputs, *args.hidden, args.classes]
    model = build_mlp(sizes, args.activation)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)

    # Data generation is outside every timed region.
    x_train = torch.randn(args.train_samples, args.inputs)
    y_train = torch.randint(args.classes, (args.train_samples,))
    x_eval = torch.randn(args.eval_samples, args.inputs)
    y_eval = torch.randint(args.classes, (args.eval_samples,))

    train_seconds = train_one_epoch(model, optimizer, x_train, y_train, args.batch)
    eval_seconds, _ = noisy_eval(model, x_eval, y_eval, args.eval_draws, args.eval_chunk,
                                 math.sqrt(args.noise_variance))

    print(json.dumps({
        "torch_version": torch.__version__,
        "blas": blas_description(),
        "threads": torch.get_num_threads(),
        "train_samples_per_s": args.train_samples / train_seconds,
        "eval_samples_per_s": args.eval_samples * args.eval_draws / eval_seconds,
        "train_seconds": train_seconds,
        "eval_seconds": eval_seconds,
    }))


if __name__ == "__main__":
    main()
