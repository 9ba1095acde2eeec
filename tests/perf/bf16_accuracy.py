#!/usr/bin/env python3
"""Would bfloat16 products change the paper's noisy accuracies?

Evaluates every network whose weights a study archive kept (by default the 5 baselines of
runs/hardware-agnostic.h5: the paper's 784-300-300-10 sigmoid MNIST network, 70 epochs) under
the paper's four activation-noise kinds, in two precisions with the same noise draws:

  float32   every product in plain float32 (torch's float matmul), as the engine computes it
  bf16      every product with bfloat16 inputs: both operands (activations, including the
            standardised pixels and the noisy activations, and weights) rounded to bf16
            (round-to-nearest-even) and back to float, then multiplied in float32; products
            of bf16 values are exact in float32, so this is bf16 inputs with float32
            accumulation and a float32 result. Biases, activations and noise stay float32.

The noise is the engine's (framework/nonideality/activation_noise.cpp, eval/evaluate.cpp):
after each hidden activation, y = a (1 + xi) for MulUnc/MulCor and y = a + xi for
AddUnc/AddCor, xi ~ N(0, level), so the level is the variance; uncorrelated kinds draw one xi
per (sample, neuron), correlated kinds one per (sample, layer), shared by the layer's neurons.
Levels: 40 log-spaced variances from 1e-3 to 1 (eval.levels = {from = 1e-3, to = 1.0,
count = 40}, expanded as framework/config/run_config.cpp's log_spaced), 3 repetitions over
the whole 10,000-image test set. Each (model, kind, level, repetition) seeds its own
torch.Generator; its draws are made once and applied in both precisions, so every difference
between them is the rounding's (the comparison is paired). The draws are not the engine's
(its counter-based streams), so float32 agrees with the archive's stored noise accuracies only
statistically. Correlated noise enters the second layer's product as the noisy activation
itself (rounded to bf16 with the rest), not as the engine's fast rank-one update
W (a + c 1) = W a + c (W 1), which would leave the noise unrounded.

It reports, per kind: the largest |mean bf16 - mean float32| over the levels (mean over the
repetitions and the models, paired), the largest per-model |difference| (each model's mean
over the repetitions), the seeds' spread at those levels (sample std across the models of
their float32 accuracy, each averaged over the repetitions), the largest ratio |difference| /
spread, and a verdict: "within the seeds' spread" when the paired mean difference is below the
spread at every level. Also the clean accuracies in both precisions, a per-level table, and
float32 against the archive's own noise accuracies at the levels both have.

Usage: /usr/bin/python3 tests/perf/bf16_accuracy.py [ARCHIVE] [--out PATH]
"""
import argparse
import math
import os
import platform
import shlex
import sys
import time
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "analysis"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from noisesweep import archive, torch_io  # noqa: E402

KINDS = ("AddUnc", "AddCor", "MulUnc", "MulCor")  # the paper's four, in the registry's order
MULTIPLICATIVE = {"AddUnc": False, "AddCor": False, "MulUnc": True, "MulCor": True}
CORRELATED = {"AddUnc": False, "AddCor": True, "MulUnc": False, "MulCor": True}


class Failure(Exception):
    """A one-line reason why the measurement cannot run (missing archive, data, weights)."""


def log_spaced(start, stop, count):
    """framework/config/run_config.cpp's log_spaced: base 10, exact end points."""
    if count == 1:
        return [start]
    a, b = math.log10(start), math.log10(stop)
    v = [math.pow(10.0, a + (b - a) * i / (count - 1)) for i in range(count)]
    v[0], v[-1] = start, stop
    return v


# --- Inputs ------------------------------------------------------------------------------------

def read_idx(path, magic, ndim):
    """An IDX file of unsigned bytes as a numpy array (framework/data/idx.cpp's format)."""
    if not os.path.isfile(path):
        raise Failure(f"{path}: no such file (the MNIST test set in IDX format; see README "
                      f"'First run' for fetching data/mnist)")
    raw = np.fromfile(path, dtype=np.uint8)
    header = 4 + 4 * ndim
    if raw.size < header or int.from_bytes(raw[:4].tobytes(), "big") != magic:
        raise Failure(f"{path}: not an IDX file of unsigned bytes with {ndim} dimension(s)")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i].tobytes(), "big") for i in range(ndim)]
    if raw.size != header + int(np.prod(dims)):
        raise Failure(f"{path}: {raw.size - header} bytes of data, the header announces {dims}")
    return raw[header:].reshape(dims)


def load_test_set(data_dir, mean, std):
    """Standardised test pixels (samples x 784, float32) and labels, as noisesweep computes
    them: pixel / 255 in float, then (x - mean) / std in float (framework/data/idx.cpp and
    dataset.cpp's standardize, with the run's mean and std cast to float)."""
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"), 0x00000803, 3)
    labels = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte"), 0x00000801, 1)
    if images.shape[0] != labels.shape[0]:
        raise Failure(f"{data_dir}: {images.shape[0]} test images but {labels.shape[0]} labels")
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(mean)) / np.float32(std)
    return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(labels.astype(np.int64))


def kept_models(path):
    """(id, stage, swept seed, clean accuracy, stored noise) of every task whose weights the
    archive kept, in the study's order."""
    if not os.path.exists(path):
        raise Failure(f"{path}: no such file (a study archive whose tasks kept their weights, e.g. "
                      f"runs/hardware-agnostic.h5 from studies/hardware-agnostic.toml)")
    try:
        with archive.open_archive(path) as f:
            if archive.format_version(f) >= archive.TABLES_VERSION:
                kept = set(archive.TableModels(f, path).kept)
            else:
                kept = {tid for tid, g in f["tasks"].items() if "weights" in g}
            found = []
            for t in archive.task_views(f, path):
                if t.id not in kept:
                    continue
                with archive.reading_task(path, t.id):
                    seed = archive.toml_value(t.axes.get("seed", "?"))
                    found.append((t.id, t.stage, seed, t.clean_accuracy, t.noise()))
    except archive.ArchiveError as e:
        raise Failure(str(e)) from None
    if not found:
        raise Failure(f"{path}: no task kept its weights (the study's [archive] weights setting)")
    return found


# --- The measurement ---------------------------------------------------------------------------

def to_bf16(t):
    """t rounded to bfloat16 (round-to-nearest-even) and back to float32."""
    return t.bfloat16().float()


class Model:
    """One network's parameters in both precisions, with its first layer's output cached."""

    def __init__(self, weights, x):
        self.activation = torch_io.ACTIVATIONS[weights.activation]()
        self.after = weights.noise_placement == "after"
        self.w = [torch.from_numpy(w.copy()).t().contiguous() for w, _ in weights.layers]  # in x out
        self.b = [torch.from_numpy(b.copy()) for _, b in weights.layers]
        self.widths = [int(w.shape[1]) for w in self.w]
        self.hidden = len(self.w) - 1
        w16 = [to_bf16(w) for w in self.w]
        self.params = {"fp32": self.w, "bf16": w16}
        self.cast = {"fp32": lambda t: t, "bf16": to_bf16}
        # The first layer never sees noise on its input: its activation (noise after) or
        # pre-activation (noise before) is computed once per precision.
        self.first = {}
        for p in ("fp32", "bf16"):
            z = self.cast[p](x) @ self.params[p][0] + self.b[0]
            self.first[p] = self.activation(z) if self.after else z

    def logits(self, precision, noise):
        """The logits in `precision` with `noise[h]` (a callable on a tensor, or None) on hidden
        layer h, applied after (or before) its activation as the network's placement says."""
        cast, w = self.cast[precision], self.params[precision]
        t = self.first[precision]
        for h in range(self.hidden):
            if h > 0:
                t = cast(y) @ w[h] + self.b[h]
                if self.after:
                    t = self.activation(t)
            if noise[h] is not None:
                t = noise[h](t)
            y = t if self.after else self.activation(t)
        return cast(y) @ w[self.hidden] + self.b[self.hidden]

    def predict(self, precision, noise):
        return self.logits(precision, noise).argmax(dim=1)


def draw_noise(model, kind, level, generator, samples):
    """Per hidden layer, a function applying one draw of `kind` at variance `level`: the
    draws of layer 0 first, then of layer 1, ..., all from `generator`."""
    std = math.sqrt(level)
    layers = []
    for h in range(model.hidden):
        shape = (samples, 1) if CORRELATED[kind] else (samples, model.widths[h])
        xi = torch.randn(shape, generator=generator).mul_(std)
        if MULTIPLICATIVE[kind]:
            factor = xi.add_(1.0)
            layers.append(lambda t, f=factor: t * f)
        else:
            layers.append(lambda t, s=xi: t + s)
    return layers


def generator_for(base_seed, model, kind, level, repetition):
    """The torch.Generator of one (model, kind, level, repetition)."""
    state = np.random.SeedSequence([base_seed, model, kind, level, repetition]).generate_state(2)
    return torch.Generator().manual_seed(int(state[0]) << 31 | int(state[1]) >> 1)


def measure(models, labels, levels, repetitions, base_seed, progress):
    """accuracy[precision][kind]: models x levels x repetitions; differ[kind]: the same shape,
    the share of test samples whose predicted class differs between the precisions."""
    n = labels.shape[0]
    shape = (len(models), len(levels), repetitions)
    accuracy = {p: {k: np.zeros(shape) for k in KINDS} for p in ("fp32", "bf16")}
    differ = {k: np.zeros(shape) for k in KINDS}
    for m, model in enumerate(models):
        for k, kind in enumerate(KINDS):
            start = time.perf_counter()
            for l, level in enumerate(levels):
                for r in range(repetitions):
                    noise = draw_noise(model, kind, level, generator_for(base_seed, m, k, l, r), n)
                    pred = {p: model.predict(p, noise) for p in ("fp32", "bf16")}
                    for p in pred:
                        accuracy[p][kind][m, l, r] = (pred[p] == labels).sum().item() / n
                    differ[kind][m, l, r] = (pred["fp32"] != pred["bf16"]).sum().item() / n
            progress(f"  model {m + 1}/{len(models)} {kind}: {time.perf_counter() - start:.1f} s")
    return accuracy, differ


# --- The report --------------------------------------------------------------------------------

def pp(fraction):
    return 100.0 * fraction


def summarise(kind, levels, acc, differ, tasks):
    """The lines of one kind's summary, its per-level table, and its verdict line."""
    fp = acc["fp32"][kind].mean(axis=2)   # models x levels, each model's mean over repetitions
    bf = acc["bf16"][kind].mean(axis=2)
    per_model = bf - fp                   # paired, per model
    delta = per_model.mean(axis=0)        # paired mean over the models, per level
    m = fp.shape[0]
    spread = fp.std(axis=0, ddof=1) if m > 1 else np.full(len(levels), np.nan)
    lines = []
    worst = int(np.argmax(np.abs(delta)))
    lines.append(f"{kind}")
    lines.append(f"  largest |mean bf16 - mean fp32|  {pp(abs(delta[worst])):7.3f} pp at variance "
                 f"{levels[worst]:.4g} (fp32 {pp(fp[:, worst].mean()):.2f}%, bf16 "
                 f"{pp(bf[:, worst].mean()):.2f}%); seeds' spread there {pp(spread[worst]):.3f} pp")
    mi, li = np.unravel_index(int(np.argmax(np.abs(per_model))), per_model.shape)
    lines.append(f"  largest per-model |bf16 - fp32|  {pp(abs(per_model[mi, li])):7.3f} pp at variance "
                 f"{levels[li]:.4g} (seed {tasks[mi][2]}: fp32 {pp(fp[mi, li]):.2f}%, bf16 "
                 f"{pp(bf[mi, li]):.2f}%); seeds' spread there {pp(spread[li]):.3f} pp")
    single = np.abs(acc["bf16"][kind] - acc["fp32"][kind])
    lines.append(f"  largest single-evaluation |diff| {pp(single.max()):7.3f} pp (one model, level and "
                 f"repetition; 1 sample = 0.01 pp)")
    positive = spread > 0
    if positive.any():
        ratio = np.where(positive, np.abs(delta) / np.where(positive, spread, 1.0), -1.0)
        ri = int(np.argmax(ratio))
        lines.append(f"  largest |mean diff| / spread     {ratio[ri]:7.3f}    at variance {levels[ri]:.4g} "
                     f"(|diff| {pp(abs(delta[ri])):.3f} pp, spread {pp(spread[ri]):.3f} pp)")
    lines.append(f"  predictions that differ          {pp(differ[kind].mean()):7.3f} % of test samples "
                 f"on average, {pp(differ[kind].max()):.2f}% at most (per evaluation)")
    lines.append(f"  mean diff, signed, over levels   {pp(delta.mean()):+7.3f} pp")

    table = [f"{kind}: per level (means over {m} models x {acc['fp32'][kind].shape[2]} repetitions; "
             f"diff = bf16 - fp32, paired)",
             f"  {'variance':>9s} {'fp32 %':>8s} {'bf16 %':>8s} {'diff pp':>8s} {'max|model| pp':>13s} "
             f"{'spread pp':>9s} {'|diff|/spr':>10s} {'pred. differ %':>14s}"]
    for l, level in enumerate(levels):
        ratio = abs(delta[l]) / spread[l] if spread[l] > 0 else float("nan")
        table.append(f"  {level:9.4g} {pp(fp[:, l].mean()):8.3f} {pp(bf[:, l].mean()):8.3f} "
                     f"{pp(delta[l]):+8.3f} {pp(np.abs(per_model[:, l]).max()):13.3f} "
                     f"{pp(spread[l]):9.3f} {ratio:10.3f} {pp(differ[kind][:, l].mean()):14.3f}")

    if m < 2:
        verdict = f"{kind}: no verdict: one model, so no seeds' spread"
    else:
        outside = [l for l in range(len(levels)) if not (abs(delta[l]) < spread[l] or delta[l] == 0)]
        if not outside:
            verdict = (f"{kind}: within the seeds' spread (paired mean |diff| below the spread at all "
                       f"{len(levels)} levels; at most {max(abs(delta[l]) / spread[l] for l in range(len(levels)) if spread[l] > 0):.2f} of it)")
        else:
            where = ", ".join(f"{levels[l]:.3g} (|diff| {pp(abs(delta[l])):.3f} pp >= spread "
                              f"{pp(spread[l]):.3f} pp)" for l in outside)
            verdict = (f"{kind}: NOT within the seeds' spread at {len(outside)} of {len(levels)} "
                       f"levels: variance {where}")
    return lines, table, verdict


def archive_comparison(tasks, levels, acc):
    """float32 here against the archive's stored accuracies at the levels both have."""
    lines = ["float32 here against the archive's own noise accuracies (other noise draws: "
             "agreement is statistical)",
             f"  {'kind':7s} {'variance':>9s} {'archive %':>10s} {'here fp32 %':>11s} {'diff pp':>8s} "
             f"{'max|model| pp':>13s}"]
    found = False
    for kind in KINDS:
        for l, level in enumerate(levels):
            stored = []
            for m, t in enumerate(tasks):
                if kind not in t[4]:
                    break
                at = [i for i, v in enumerate(t[4][kind][0]) if math.isclose(v, level, rel_tol=1e-9)]
                if not at:
                    break
                stored.append(np.mean(t[4][kind][1][at[0]]))
            if len(stored) != len(tasks):
                continue
            found = True
            stored = np.array(stored)
            here = acc["fp32"][kind][:, l, :].mean(axis=1)
            lines.append(f"  {kind:7s} {level:9.4g} {pp(stored.mean()):10.3f} {pp(here.mean()):11.3f} "
                         f"{pp(here.mean() - stored.mean()):+8.3f} {pp(np.abs(here - stored).max()):13.3f}")
    if not found:
        lines.append("  (the archive holds no noise accuracies at these levels)")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\nUsage:")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("archive", nargs="?", default="runs/hardware-agnostic.h5",
                        help="study archive whose tasks kept their weights (default: %(default)s, "
                             "relative to the repository)")
    parser.add_argument("--data", default="data/mnist",
                        help="folder of t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (default: "
                             "%(default)s, relative to the repository)")
    parser.add_argument("--levels", type=int, default=40, help="log-spaced variances from 1e-3 to 1 "
                        "(default: %(default)s)")
    parser.add_argument("--repetitions", type=int, default=3, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=2024, help="base seed of the noise draws "
                        "(default: %(default)s)")
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args(argv)

    def at_repo(p):
        return p if os.path.isabs(p) or os.path.exists(p) else os.path.join(REPO, p)

    started = time.perf_counter()
    torch.set_num_threads(1)
    try:
        path = at_repo(args.archive)
        tasks = kept_models(path)
        weights = [torch_io.read_weights(path, task=t[0]) for t in tasks]
        stds = {torch_io.standardization(path, t[0]) for t in tasks}
        names = {(w.activation, w.noise_placement, tuple(w.layer_sizes)) for w in weights}
        for w, t in zip(weights, tasks):
            try:
                name = tomllib.loads(w.settings).get("data", {}).get("name", "?")
            except tomllib.TOMLDecodeError:
                name = "?"
            if name != "mnist":
                raise Failure(f"{path}: task {t[0]} was trained on data.name = {name!r}; this "
                              f"measurement reads the MNIST test set")
        if None in stds or len(stds) != 1:
            raise Failure(f"{path}: the kept tasks do not share one recorded standardisation ({stds})")
        mean, std = stds.pop()
        x, labels = load_test_set(at_repo(args.data), mean, std)
    except (Failure, torch_io.TorchIOError) as e:
        print(f"bf16_accuracy: error: {e}", file=sys.stderr)
        return 1

    levels = log_spaced(1e-3, 1.0, args.levels)
    out = []

    def say(line=""):
        print(line, flush=True)
        out.append(line)

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    say("bfloat16 products in noisy evaluation: accuracy against float32, same noise draws")
    say(f"archive: {os.path.relpath(path, REPO) if path.startswith(REPO) else path}")
    say(f"CPU: {cpu} ({os.cpu_count()} logical CPUs; torch on 1 thread); torch {torch.__version__}, "
        f"numpy {np.__version__}, Python {platform.python_version()}")
    say(f"command: {' '.join(shlex.quote(a) for a in [sys.executable] + sys.argv)}")
    say(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    say("network(s): " + ", ".join(f"{a} {'-'.join(map(str, s))}, noise {p} the activation"
                                   for a, p, s in sorted(names)))
    say(f"test set: {at_repo(args.data)}, {labels.shape[0]} images, (pixel/255 - {mean})/{std}")
    say(f"protocol: kinds {', '.join(KINDS)}; {len(levels)} variances log-spaced {levels[0]:g} .. "
        f"{levels[-1]:g}; {args.repetitions} repetition(s) over the whole test set; noise after each "
        f"hidden activation; one torch.Generator per (model, kind, level, repetition), its draws "
        f"applied in both precisions")
    say("bf16: both operands of every product (pixels, noisy activations, weights) rounded to "
        "bfloat16 (RNE), multiplied in float32; biases, activations and noise in float32")
    say()
    say(f"models ({len(tasks)} tasks that kept their weights):")
    say(f"  {'task':32s} {'stage':10s} {'seed':>5s} {'archive clean %':>15s} {'fp32 clean %':>12s} "
        f"{'bf16 clean %':>12s} {'diff pp':>8s} {'pred. differ':>12s}")
    models = []
    for t, w in zip(tasks, weights):
        model = Model(w, x)
        models.append(model)
        clean = {p: model.predict(p, [None] * model.hidden) for p in ("fp32", "bf16")}
        a = {p: (clean[p] == labels).float().mean().item() for p in clean}
        changed = (clean["fp32"] != clean["bf16"]).sum().item()
        say(f"  {t[0]:32s} {t[1]:10s} {str(t[2]):>5s} {pp(t[3]):15.2f} {pp(a['fp32']):12.2f} "
            f"{pp(a['bf16']):12.2f} {pp(a['bf16'] - a['fp32']):+8.2f} {changed:6d} image(s)")
    say()

    def progress(line):
        print(line, file=sys.stderr, flush=True)

    accuracy, differ = measure(models, labels, levels, args.repetitions, args.seed, progress)

    say("Per kind: diff = bf16 - fp32 accuracy (pp = percentage points); seeds' spread = sample "
        "std across the models of their fp32 accuracy (each averaged over the repetitions)")
    verdicts, tables = [], []
    for kind in KINDS:
        lines, table, verdict = summarise(kind, levels, accuracy, differ, tasks)
        for line in lines:
            say(line)
        tables.append(table)
        verdicts.append(verdict)
    say()
    for line in archive_comparison(tasks, levels, accuracy):
        say(line)
    for table in tables:
        say()
        for line in table:
            say(line)
    say()
    say(f"run time: {time.perf_counter() - started:.0f} s")
    say("verdict (is bf16's paired mean accuracy within the seeds' spread of float32's at every level?):")
    for verdict in verdicts:
        say(f"  {verdict}")
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)) or ".", exist_ok=True)
        with open(args.out, "w") as f:
            f.write("\n".join(out) + "\n")
        progress(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
