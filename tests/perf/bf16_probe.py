#!/usr/bin/env python3
"""Would bfloat16 products make noisy evaluation faster on this CPU?

Times, on one thread, the float products of the noisy-evaluation protocol at the paper's
network (784-300-300-10; a block of 2000 samples past the clean first layer, as the engine
evaluates), in one run:
  engine            noisesweep's own float32 products (`noisesweep bench --gemm-only`)
  torch f32         torch's float matmul (OpenBLAS, with the kernels of the CPU's instruction
                    set, as tests/perf/torch_peer.py picks them)
  bf16              torch's bfloat16 matmul, which runs on oneDNN (Debian's torch bundles
                    oneDNN 2.6): bf16 inputs, fp32 accumulation, a bf16 result
  bf16+cast         the same, counting the cast of the float activations to bf16 that each
                    noisy block would need (noise is drawn and added in float)
  no BF16 ISA       bf16+cast with oneDNN held to AVX-512 without the BF16 instructions
                    (ONEDNN_MAX_CPU_ISA=AVX512_CORE): what a CPU without them gets
and prints GFLOP/s and the ratio of bf16+cast to the engine, with the oneDNN kernel that ran
(from ONEDNN_VERBOSE).

Usage: /usr/bin/python3 tests/perf/bf16_probe.py [--seconds S] [--noisesweep PATH]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_peer  # noqa: E402  (the BLAS set-up; torch loads after it)

# (rows, inner, cols) of A(rows x inner) @ B(inner x cols): the noisy block's two products, and
# the clean first layer for comparison.
SHAPES = [("hidden 2 (300 -> 300), 2000 samples", 2000, 300, 300),
          ("output (300 -> 10), 2000 samples", 2000, 300, 10),
          ("first layer (784 -> 300), 2000 samples", 2000, 784, 300)]


def best_rate(work, flops, seconds):
    """The best GFLOP/s of `work` over repeated runs for about `seconds`."""
    work()  # warm up: first-call allocations and kernel generation
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def onednn_kernel():
    """The implementation oneDNN reports for a bf16 matmul here (its verbose line), or why not."""
    code = ("import torch; torch.set_num_threads(1); a = torch.ones(64, 64).bfloat16(); "
            "b = torch.ones(64, 64).bfloat16(); (a @ b).sum()")
    env = dict(os.environ, ONEDNN_VERBOSE="1", DNNL_VERBOSE="1", OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if ",exec," in l and "matmul" in l]
    isa = [l.split("isa:", 1)[1] for l in out.stdout.splitlines() if "isa:" in l]
    if not lines:
        return "no oneDNN matmul reported (torch ran its own bf16 kernel)"
    fields = lines[0].split(",")
    return f"{fields[4] if len(fields) > 4 else lines[0]}" + (f"; {isa[0]}" if isa else "")


def engine_rates(noisesweep):
    """The engine's GFLOP/s at the noisy block's products, by shape ("300x300 * 300x2000"), from
    `noisesweep bench --gemm-only` (its last column), or {} without the program."""
    if not noisesweep or not os.path.exists(noisesweep):
        return {}
    out = subprocess.run([noisesweep, "bench", "--gemm-only"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    block = next(i for i, l in enumerate(out) if l.startswith("noisy-evaluation block"))
    rates = {}
    for line in out[block + 1:]:
        found = re.match(r"\s+forward, layer \d\s+(\d+x\d+ \* \d+x\d+)\s.*\s([\d.]+)\s+\d+%$", line)
        if not found:
            break
        rates[found.group(1)] = float(found.group(2))
    return rates


def time_in_child(rows, inner, cols, seconds, env_extra):
    """bf16+cast GFLOP/s of one product in a fresh interpreter with extra environment."""
    code = f"""
import json, sys, time
sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
import bf16_probe, torch_peer
torch_peer.load_torch("auto")
torch = torch_peer.torch
torch.set_num_threads(1)
a = torch.randn({rows}, {inner}); b16 = torch.randn({inner}, {cols}).bfloat16()
print(json.dumps(bf16_probe.best_rate(lambda: a.bfloat16() @ b16, 2.0 * {rows * inner * cols}, {seconds})))
"""
    env = dict(os.environ, OMP_NUM_THREADS="1", **env_extra)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="timing per product and way")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--noisesweep", default=os.path.join(here, "..", "..", "build", "noisesweep"),
                        help="the program whose float products to compare with (default: %(default)s)")
    args = parser.parse_args()
    engine = engine_rates(args.noisesweep)
    torch_peer.load_torch("auto")
    torch = torch_peer.torch
    torch.set_num_threads(1)
    torch.manual_seed(1)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "unknown")
    print(f"bfloat16 products at the noisy block: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"CPU: {cpu}; command: tests/perf/bf16_probe.py --seconds {args.seconds:g}")
    print(f"torch {torch.__version__}; float32 BLAS: {torch_peer.blas_description()}")
    print(f"oneDNN bf16 matmul kernel: {onednn_kernel()}")
    if engine:
        print(f"engine: {subprocess.run([args.noisesweep, '--version'], capture_output=True, text=True).stdout.splitlines()[0]}")
    print(f"{'product':42s} {'engine':>7s} {'torch f32':>10s} {'bf16':>7s} {'bf16+cast':>10s} "
          f"{'no BF16 ISA':>12s}   bf16+cast / engine")
    block_flops = block_engine = block_bf16 = 0.0
    for name, rows, inner, cols in SHAPES:
        a = torch.randn(rows, inner)
        b = torch.randn(inner, cols)
        a16, b16 = a.bfloat16(), b.bfloat16()
        flops = 2.0 * rows * inner * cols
        f32 = best_rate(lambda: a @ b, flops, args.seconds)
        bf16 = best_rate(lambda: a16 @ b16, flops, args.seconds)
        cast = best_rate(lambda: a.bfloat16() @ b16, flops, args.seconds)
        emulated = time_in_child(rows, inner, cols, args.seconds, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"})
        # The engine computes W x with W (cols x inner) and x (inner x rows): the same product.
        mine = engine.get(f"{cols}x{inner} * {inner}x{rows}")
        ratio = f"{cast / mine:.2f}x" if mine else "-"
        print(f"{name:42s} {mine or float('nan'):7.1f} {f32:10.1f} {bf16:7.1f} {cast:10.1f} "
              f"{emulated:12.1f}   {ratio}")
        if mine and name.startswith(("hidden", "output")):
            block_flops += flops
            block_engine += flops / mine
            block_bf16 += flops / cast
    if block_engine:
        print(f"noisy block, both products: engine {block_flops / block_engine:.1f}, bf16+cast "
              f"{block_flops / block_bf16:.1f} GFLOP/s: {block_engine / block_bf16:.2f}x")
    print("(GFLOP/s, one thread, best of repeated runs)")


if __name__ == "__main__":
    main()
