#!/usr/bin/python3
"""Times a .bsm model in float PyTorch, the way most people would run it (eager, eval,
no_grad, batch 1, one thread), and in the same invocation runs
`blendscope-cli bench MODEL --backend cpu --threads 1 --json`, then prints both and
the ratio (issue 3: blendscope's CPU backend >= 10x faster than PyTorch). For
honesty it also times the fastest PyTorch variant tried here, TorchScript frozen and
optimize_for_inference (MKLDNN convolutions, BatchNorm folded), and prints that
ratio too.

The float network is built from the file itself (tools/blendtorch/bsm.py reads it):
the same layers and shapes, every weight as float32 (binary weights as +-1.0),
BatchNorm as its per-channel affine (nn.BatchNorm2d in eval mode), sign as
where(x >= 0, 1, -1), no saturation. Only the cost is meant to match; the numbers do
not (blendscope runs the integer network).

Debian's python3-torch is only importable by /usr/bin/python3. Usage:
    bench/bench-pytorch.py data/models/blendnet20.bsm [--cli build/app/blendscope-cli]
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

try:
    from blendtorch import bsm  # noqa: E402
except ImportError:  # tools/blendtorch is another engineer's work in progress
    sys.exit("bench-pytorch.py: needs tools/blendtorch/bsm.py (the .bsm reader)")

TARGET_RATIO = 10.0


def _f32(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float32))


class Sign(nn.Module):
    def forward(self, x):
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class Thermometer(nn.Module):
    def __init__(self, levels):
        super().__init__()
        self.levels = levels
        self.register_buffer("k", torch.arange(levels, dtype=torch.float32).view(1, 1, levels, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        lv = torch.floor((x * self.levels + 128) / 256).unsqueeze(2)
        bits = torch.where(self.k < lv, 1.0, -1.0)
        return bits.reshape(n, c * self.levels, h, w)


class Transpose(nn.Module):
    def forward(self, x):
        n, c, h, w = x.shape
        return x.reshape(n, c, h * w).transpose(1, 2).reshape(n, h * w, c, 1)


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def _conv(m, layer, fc):
    p = layer.params
    w = m.tensor(p["weights"]).astype(np.float32)
    cout = p["out_channels"]
    if fc:
        w = w.reshape(cout, -1, 1, 1)
        k, s, pad = 1, 1, 0
    else:
        k, s, pad = p["kernel"], p["stride"], p["pad"]
    conv = nn.Conv2d(w.shape[1], cout, k, stride=s, padding=pad, bias=p.get("bias") is not None)
    conv.weight.data = _f32(w)
    if p.get("bias") is not None:
        conv.bias.data = _f32(m.tensor(p["bias"]))
    return conv


def _batchnorm(m, layer):
    p = layer.params
    mul = m.tensor(p["mul"]).astype(np.float64)
    add = m.tensor(p["add"]).astype(np.float64)
    scale = np.exp2(-m.tensor(p["shift"]).astype(np.float64))
    bn = nn.BatchNorm2d(len(mul))
    bn.weight.data = _f32(mul * scale)
    bn.bias.data = _f32(add * scale)
    bn.running_mean.zero_()
    bn.running_var.fill_(1 - bn.eps)
    return nn.Sequential(bn, nn.ReLU()) if p.get("relu") else bn


def build(m):
    """An nn.Module running the .bsm graph in float."""
    mods = nn.ModuleList()
    wiring = []
    names = {}
    for i, layer in enumerate(m.layers):
        kind, p = layer.kind, layer.params
        if kind == "quantize_input":
            mod = Lambda(lambda x: x - 128.0)
        elif kind == "thermometer":
            mod = Thermometer(p.get("levels", 32))
        elif kind in ("conv_fixed", "conv_binary"):
            mod = _conv(m, layer, fc=False)
        elif kind in ("fc_fixed", "fc_binary"):
            mod = _conv(m, layer, fc=True)
        elif kind == "batchnorm":
            mod = _batchnorm(m, layer)
        elif kind == "sign":
            mod = Sign()
        elif kind == "add":
            mod = Lambda(lambda a, b: a + b)
        elif kind == "avgpool":
            mod = nn.AvgPool2d(p["kernel"], p["stride"])
        elif kind == "global_avgpool":
            mod = nn.AdaptiveAvgPool2d(1)
        elif kind == "concat":
            mod = Lambda(lambda a, b: torch.cat((a, b), 1))
        elif kind == "transpose":
            mod = Transpose()
        else:
            raise ValueError(f"layer {layer.name}: unknown kind {kind}")
        mods.append(mod)
        wiring.append([-1 if src == "input" else names[src] for src in layer.inputs])
        names[layer.name] = i

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = mods

        def forward(self, x):
            outs = []
            for mod, srcs in zip(self.layers, wiring):
                outs.append(mod(*[x if s < 0 else outs[s] for s in srcs]))
            return outs[-1]

    return Net().eval()


def time_torch(net, x, seconds, min_runs):
    with torch.no_grad():
        t_end = time.perf_counter() + 0.3
        while time.perf_counter() < t_end:
            net(x)
        times = []
        t_end = time.perf_counter() + seconds
        while len(times) < min_runs or time.perf_counter() < t_end:
            t0 = time.perf_counter()
            net(x)
            times.append(time.perf_counter() - t0)
    times.sort()
    n = len(times)
    return {"median": statistics.median(times) * 1e3, "p10": times[int(0.1 * (n - 1))] * 1e3,
            "p90": times[math.ceil(0.9 * (n - 1))] * 1e3, "runs": n}


def find_cli(given):
    """--cli, else the most recently built build*/app/blendscope-cli, else PATH."""
    if given:
        return given
    found = [os.path.join(ROOT, b, "app", "blendscope-cli") for b in os.listdir(ROOT) if b.startswith("build")]
    found = [p for p in found if os.access(p, os.X_OK)]
    if found:
        return max(found, key=os.path.getmtime)
    return shutil.which("blendscope-cli")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help=".bsm file")
    ap.add_argument("--cli", help="blendscope-cli to run (default: the newest build*/app/blendscope-cli, "
                                  "else PATH)")
    ap.add_argument("--seconds", type=float, default=3.0, help="time per engine (3)")
    ap.add_argument("--threads", type=int, default=1, help="threads for both (1)")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    m = bsm.read(args.model)
    net = build(m)
    c, h, w = m.input_shape
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.integers(0, 256, (1, c, h, w)).astype(np.float32))
    torch_ms = time_torch(net, x, args.seconds, 50)
    with torch.no_grad():
        fast = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(net, x)))
    fast_ms = time_torch(fast, x, args.seconds, 50)

    cli = find_cli(args.cli)
    if cli is None:
        sys.exit("bench-pytorch.py: blendscope-cli not found (build it, or pass --cli)")
    out = subprocess.run([cli, "bench", args.model, "--backend", "cpu", "--threads", str(args.threads),
                          "--seconds", str(args.seconds), "--json"],
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    ours_ms = ours["per_image_ms"]["median"]
    ratio = torch_ms["median"] / ours_ms
    fast_ratio = fast_ms["median"] / ours_ms
    result = {
        "model": m.name, "threads": args.threads, "batch": 1, "torch_version": torch.__version__,
        "pytorch_ms": torch_ms, "pytorch_jit_ms": fast_ms, "blendscope_ms": ours["per_image_ms"],
        "blendscope_isa": ours.get("isa"), "speedup_vs_pytorch": ratio,
        "speedup_vs_pytorch_jit": fast_ratio, "target": TARGET_RATIO, "pass": ratio >= TARGET_RATIO,
        "blendscope": ours,
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    print(f"{m.name}, batch 1, {args.threads} thread(s)")
    print(f"  PyTorch {torch.__version__} float (eager, eval, no_grad): median {torch_ms['median']:.3f} ms"
          f" (p10 {torch_ms['p10']:.3f}, p90 {torch_ms['p90']:.3f}, {torch_ms['runs']} runs)")
    print(f"  PyTorch TorchScript frozen + optimize_for_inference: median {fast_ms['median']:.3f} ms"
          f" (p10 {fast_ms['p10']:.3f}, p90 {fast_ms['p90']:.3f}, {fast_ms['runs']} runs)")
    print(f"  blendscope cpu ({ours.get('isa')}): median {ours_ms:.4f} ms"
          f" (p10 {ours['per_image_ms']['p10']:.4f}, p90 {ours['per_image_ms']['p90']:.4f}, {ours['runs']} runs)")
    print(f"  blendscope is {ratio:.1f}x faster than eager PyTorch; target >= {TARGET_RATIO:.0f}x: "
          f"{'PASS' if ratio >= TARGET_RATIO else 'MISS'}")
    print(f"  ({fast_ratio:.1f}x faster than the TorchScript/MKLDNN variant)")


if __name__ == "__main__":
    main()
