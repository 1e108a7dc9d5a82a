#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Times blendscope's CPU backend against PyTorch 1.13 on one thread, batch 1, all
engines interleaved in the same rounds, and prints each ratio (issue 5).

Engines (each a separate row; PyTorch's int8 engines are the ones among onednn,
qnnpack, x86 and fbgemm that torch.backends.quantized.supported_engines lists):

  blendscope            `blendscope-cli bench MODEL --backend cpu --threads 1 --json`
  int8 ResNet-20 [eng]  the network of data/models/resnet20-int8.bsm in PyTorch int8
  int8 MODEL [eng]      the network of MODEL (BlendNet-20) in PyTorch int8: every
                        convolution, binary ones included, as an int8 convolution
  float TorchScript     the network of MODEL in float32, TorchScript frozen and
                        optimize_for_inference'd (MKLDNN convolutions, BN folded)
  float TorchScript, lean   the same, but of the int8 network's ops (no sign, no
                        BatchNorm after the adds): the float convolutions alone
  float eager           (only with --eager) the same float network, eager

Fairness choices (where a choice had to be made, it favours PyTorch):

* Interleaving. The machine is shared and its speed changes from minute to minute, so
  nothing is timed in one block: there are R rounds (--rounds), and in every round
  every engine runs for --seconds/R after a short warm-up. The order of the engines
  rotates from round to round. Each engine keeps its per-round medians; a ratio is
  only ever computed between two medians of the same round, and the report gives the
  median of those per-round ratios and their range.
* Same work. Batch 1, one thread on both sides (torch.set_num_threads(1) and
  `--threads 1`). The PyTorch networks are built from the .bsm files themselves
  (tools/blendtorch/bsm.py), so the layer shapes are the same as blendscope's.
* PyTorch at its best, not as most people run it. int8: post-training static
  quantisation with torch.ao.quantization's FX graph mode and each engine's default
  QConfigMapping (get_default_qconfig_mapping(engine)), calibrated on a few random
  images; conv + BatchNorm (+ ReLU) fused, add + ReLU fused; then traced and frozen
  with TorchScript (no Python per op). Float: torch.jit.freeze +
  torch.jit.optimize_for_inference. Timed under torch.inference_mode().
* The int8 networks do less than blendscope: the image is quantised directly
  (quantize_per_tensor, no float subtraction), `sign` is dropped (an int8 network has
  no use for it), and the per-channel BatchNorm after a residual add becomes the add's
  own requantisation (per tensor), fused with its ReLU where it has one. The float
  network keeps every layer (sign as sign(sign(x) + 0.5), every BatchNorm), because
  that is the float function; its weights are the file's, binary ones as +-1.0. The
  lean float row drops the same layers as the int8 networks, for a lower bound.
* blendscope is timed by its own bench, in a fresh process each round: 0.2 s of
  warm-up, then the wall clock around each image's run (which includes the collection
  of its per-op timing events: a cost PyTorch does not pay), median over the slice.
  It runs the reference interpreter once after its timed runs (--reference-runs 1)
  and reports whether the logits are identical. PyTorch gets the same 0.2 s warm-up
  before each of its slices.
* Refuses sanitizer builds of blendscope-cli (they are several times slower).
* Names what it ran on: the CPU model, blendscope's ISA, PyTorch's CPU capability, the
  load average before and after, and the number of CPUs. --isa avx2 also limits
  PyTorch (ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA) so that both sides run AVX2.

Targets (issue 5, defined on AVX2): blendscope >= 3x faster than PyTorch int8
ResNet-20 and >= 10x faster than float TorchScript of the same shapes as MODEL, in
the same run. Each is judged against the fastest row of its kind in each round (the
fastest int8 engine; the lean or full float network, whichever is faster), and
passes if the median over the rounds of that per-round ratio reaches the goal.

Debian's python3-torch is only importable by /usr/bin/python3. Usage:
    bench/bench-pytorch.py data/models/blendnet20.bsm [--cli build/app/blendscope-cli]
        [--rounds 5] [--seconds 10] [--isa avx2] [--json]
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))

TARGET_INT8 = 3.0      # x faster than PyTorch int8 ResNet-20 (best engine)
TARGET_FLOAT = 10.0    # x faster than float TorchScript of MODEL's shapes
INT8_ENGINES = ("onednn", "qnnpack", "x86", "fbgemm")
SANITIZER_SYMBOLS = (b"__asan_init", b"__ubsan_handle_", b"__tsan_init", b"__msan_init", b"__lsan_init")


def _limit_torch_isa():
    """--isa avx2 must limit PyTorch before torch is loaded (ATen and oneDNN read
    these once), so it is looked at here, ahead of the full argument parsing."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--isa")
    if pre.parse_known_args()[0].isa == "avx2":
        os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
        os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
        os.environ.setdefault("DNNL_MAX_CPU_ISA", "AVX2")


_limit_torch_isa()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

try:
    from blendtorch import bsm  # noqa: E402
except ImportError:  # pragma: no cover
    sys.exit("bench-pytorch.py: needs tools/blendtorch/bsm.py (the .bsm reader)")


def die(msg):
    sys.exit(f"bench-pytorch.py: {msg}")


# ----------------------------------------------------------------------------- blendscope-cli

def sanitizer_of(cli):
    """The sanitizer cli was built with ('address', 'undefined', ...), or None.
    Reads the build directory's meson-info, then looks for the sanitizer runtimes'
    entry points in the binary itself (in case meson-info is absent or stale)."""
    info = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(cli))), "meson-info",
                        "intro-buildoptions.json")
    try:
        with open(info) as f:
            for opt in json.load(f):
                if opt.get("name") == "b_sanitize" and opt.get("value") not in (None, "none", ""):
                    return str(opt["value"])
    except (OSError, ValueError):
        pass
    with open(cli, "rb") as f:
        blob = f.read()
    found = [s.decode() for s in SANITIZER_SYMBOLS if s in blob]
    return ", ".join(found) if found else None


def find_cli(given):
    """--cli (refused if a sanitizer build), else the most recently built
    build*/app/blendscope-cli that is not a sanitizer build."""
    if given:
        if not os.access(given, os.X_OK):
            die(f"{given}: not an executable")
        san = sanitizer_of(given)
        if san:
            die(f"{given} is a sanitizer build ({san}); its times mean nothing. "
                "Build without -Db_sanitize (e.g. meson setup build) and pass that.")
        return given
    found = [p for p in glob.glob(os.path.join(ROOT, "build*", "app", "blendscope-cli"))
             if os.access(p, os.X_OK)]
    clean = [p for p in found if not sanitizer_of(p)]
    if not clean:
        die("no non-sanitizer build*/app/blendscope-cli found"
            + (f" (skipped sanitizer builds: {', '.join(found)})" if found else "")
            + "; build one (meson setup build && ninja -C build) or pass --cli")
    return max(clean, key=os.path.getmtime)


def run_blendscope(cli, model, seconds, isa):
    cmd = [cli, "bench", model, "--backend", "cpu", "--threads", "1", "--seconds", f"{seconds:.3f}",
           "--reference-runs", "1", "--json"]
    if isa:
        cmd += ["--isa", isa]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        die(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)


# ----------------------------------------------------------------------------- PyTorch networks

def _f32(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def _conv(m, layer, normalise=False):
    """conv_* as nn.Conv2d, fc_* as a 1x1 nn.Conv2d, with the file's weights (if
    normalise, scaled to a standard deviation of 1/sqrt(fan-in) per output channel and
    the bias dropped, so that activations stay in range without the file's BatchNorm)."""
    p = layer.params
    w = m.tensor(p["weights"]).astype(np.float32)
    if normalise:
        flat = w.reshape(w.shape[0], -1)
        std = flat.std(axis=1) + 1e-6
        w = w / (std * np.sqrt(flat.shape[1])).reshape((-1,) + (1,) * (w.ndim - 1))
    cout = p["out_channels"]
    if layer.kind.startswith("fc"):
        w = w.reshape(cout, -1, 1, 1)
        k, s, pad = 1, 1, 0
    else:
        k, s, pad = p["kernel"], p["stride"], p["pad"]
    bias = p.get("bias") is not None and not normalise
    conv = nn.Conv2d(w.shape[1], cout, k, stride=s, padding=pad, bias=bias)
    conv.weight.data = _f32(w)
    if bias:
        conv.bias.data = _f32(m.tensor(p["bias"]))
    return conv


def _batchnorm(m, layer):
    """The file's per-channel affine (mul * 2^-shift, add * 2^-shift) as nn.BatchNorm2d."""
    p = layer.params
    scale = np.exp2(-m.tensor(p["shift"]).astype(np.float64))
    bn = nn.BatchNorm2d(len(scale))
    bn.weight.data = _f32(m.tensor(p["mul"]) * scale)
    bn.bias.data = _f32(m.tensor(p["add"]) * scale)
    bn.running_mean.zero_()
    bn.running_var.fill_(1 - bn.eps)
    return bn


class Sign(nn.Module):
    """+1 iff x >= 0, else -1, as sign(sign(x) + 0.5): two elementwise ops, the
    cheapest form found here (about 4x faster than where(x >= 0, ones, -ones))."""

    def forward(self, x):
        return torch.sign(torch.sign(x) + 0.5)


class Thermometer(nn.Module):
    def __init__(self, levels):
        super().__init__()
        self.levels = levels
        self.register_buffer("k", torch.arange(levels, dtype=torch.float32).view(1, 1, levels, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        lv = torch.floor((x * self.levels + 128) / 256).unsqueeze(2)
        return torch.where(self.k < lv, 1.0, -1.0).reshape(n, c * self.levels, h, w)


class Fn(nn.Module):
    """A parameterless op (add, concat, transpose, ...) as a module of the graph."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def forward(self, a, b=None):
        if self.kind == "add":
            return a + b
        if self.kind == "concat":
            return torch.cat((a, b), 1)
        if self.kind == "sub128":
            return a - 128.0
        if self.kind == "transpose":
            n, c, h, w = a.shape
            return a.reshape(n, c, h * w).transpose(1, 2).reshape(n, h * w, c, 1)
        raise ValueError(self.kind)


class Graph(nn.Module):
    """Runs ops in file order; plan[i] = (op key, indices of its inputs, -1 = the image).
    The loop is static, so TorchScript tracing and FX tracing unroll it."""

    def __init__(self, ops, plan):
        super().__init__()
        self.ops = nn.ModuleDict(ops)
        self.plan = plan

    def forward(self, x):
        outs = []
        for key, srcs in self.plan:
            outs.append(self.ops[key](*[x if s < 0 else outs[s] for s in srcs]))
        return outs[-1].flatten(1)


def _graph(m, make):
    """Builds a Graph from the .bsm layers; make(layer) returns an nn.Module, or None
    for a layer that passes its (first) input through."""
    ops, plan, index = {}, [], {"input": -1}
    for layer in m.layers:
        srcs = [index[s] for s in layer.inputs]
        mod = make(layer)
        if mod is None:
            index[layer.name] = srcs[0]
            continue
        key = f"l{len(plan)}_" + "".join(ch if ch.isalnum() else "_" for ch in layer.name)
        ops[key] = mod
        index[layer.name] = len(plan)
        plan.append((key, srcs))
    return Graph(ops, plan).eval()


def float_net(m):
    """MODEL in float32, every layer kept (see the docstring)."""
    def make(layer):
        k, p = layer.kind, layer.params
        if k == "quantize_input":
            return Fn("sub128")
        if k == "thermometer":
            return Thermometer(p.get("levels", 32))
        if k in ("conv_fixed", "conv_binary", "fc_fixed", "fc_binary"):
            return _conv(m, layer)
        if k == "batchnorm":
            bn = _batchnorm(m, layer)
            return nn.Sequential(bn, nn.ReLU()) if p.get("relu") else bn
        if k == "sign":
            return Sign()
        if k == "avgpool":
            return nn.AvgPool2d(p["kernel"], p["stride"])
        if k == "global_avgpool":
            return nn.AdaptiveAvgPool2d(1)
        if k in ("add", "concat", "transpose"):
            return Fn(k)
        raise ValueError(f"layer {layer.name}: unknown kind {k}")
    return _graph(m, make)


def int8_ready_net(m):
    """MODEL as a float network ready for int8 quantisation: each conv followed by its
    BatchNorm (+ ReLU), which FX fuses; sign and quantize_input dropped; a BatchNorm
    that does not follow a conv (after an add) becomes a ReLU or nothing. Without sign
    and the file's integer scales the file's values would overflow, so the weights
    are normalised and the BatchNorms are identities: the values do not change the
    cost of an int8 network (no zero skipping), only its calibration."""
    kinds = {l.name: l.kind for l in m.layers}
    def make(layer):
        k, p = layer.kind, layer.params
        if k in ("quantize_input", "sign"):
            return None
        if k == "thermometer":
            raise ValueError(f"layer {layer.name}: no int8 thermometer in PyTorch")
        if k in ("conv_fixed", "conv_binary", "fc_fixed", "fc_binary"):
            return _conv(m, layer, normalise=True)
        if k == "batchnorm":
            after_conv = kinds.get(layer.inputs[0], "").startswith(("conv", "fc"))
            if after_conv:
                bn = nn.BatchNorm2d(len(m.tensor(p["mul"])))
                return nn.Sequential(bn, nn.ReLU()) if p.get("relu") else bn
            return nn.ReLU() if p.get("relu") else None
        if k == "avgpool":
            return nn.AvgPool2d(p["kernel"], p["stride"])
        if k == "global_avgpool":
            return nn.AdaptiveAvgPool2d(1)
        if k in ("add", "concat", "transpose"):
            return Fn(k)
        raise ValueError(f"layer {layer.name}: unknown kind {k}")
    return _graph(m, make)


def images(m, n, seed):
    c, h, w = m.input_shape
    rng = np.random.default_rng(seed)
    return [torch.from_numpy(rng.integers(0, 256, (1, c, h, w)).astype(np.float32)) for _ in range(n)]


def quantise(m, engine, x):
    """Post-training static int8 quantisation (FX graph mode) for `engine`, calibrated
    on 8 random images, then traced and frozen with TorchScript."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = engine
    net = int8_ready_net(m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = prepare_fx(net, get_default_qconfig_mapping(engine), (x,))
        with torch.inference_mode():
            for img in images(m, 8, 2):
                prepared(img)
        q = convert_fx(prepared)
        with torch.no_grad():
            return torch.jit.freeze(torch.jit.trace(q, x).eval())


def torchscript_float(net, x):
    with torch.no_grad():
        return torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(net, x).eval()))


def time_slice(fn, x, seconds, engine=None, min_runs=5, warm=0.2):
    """Warm for `warm` seconds (at least 2 runs; blendscope-cli bench warms 0.2 s),
    then time single runs until the slice is spent; returns the median in ms and the
    number of timed runs."""
    if engine:
        torch.backends.quantized.engine = engine
    clock = time.perf_counter
    with torch.inference_mode():
        t_end, n = clock() + warm, 0
        while n < 2 or clock() < t_end:
            fn(x)
            n += 1
        times, t_end = [], clock() + seconds
        while len(times) < min_runs or clock() < t_end:
            t0 = clock()
            fn(x)
            times.append(clock() - t0)
    return statistics.median(times) * 1e3, len(times)


# ----------------------------------------------------------------------------- machine

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def torch_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


# ----------------------------------------------------------------------------- report

def summarise(rounds_ms):
    return {"median_of_rounds": statistics.median(rounds_ms), "best_round": min(rounds_ms),
            "rounds": rounds_ms}


def ratio_summary(peer, ours):
    r = [p / o for p, o in zip(peer, ours)]
    return {"median": statistics.median(r), "min": min(r), "max": max(r), "rounds": r}


def main():
    first, rest = __doc__.split("\n\n", 1)
    ap = argparse.ArgumentParser(description=" ".join(first.split()), epilog=rest,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help=".bsm file for blendscope, the int8 and the float nets (blendnet20)")
    ap.add_argument("--resnet", default=os.path.join(ROOT, "data", "models", "resnet20-int8.bsm"),
                    help="the .bsm whose shapes the int8 ResNet-20 takes (data/models/resnet20-int8.bsm)")
    ap.add_argument("--cli", help="blendscope-cli (default: the newest non-sanitizer "
                                  "build*/app/blendscope-cli)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (5)")
    ap.add_argument("--seconds", type=float, default=10.0,
                    help="timed seconds per engine over all rounds (10): --seconds/--rounds a slice")
    ap.add_argument("--isa", help="blendscope's CPU kernels (scalar, avx2, avx512; default its best); "
                                  "avx2 also limits PyTorch to AVX2")
    ap.add_argument("--eager", action="store_true", help="also time the float network eager")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args()
    if args.rounds < 1 or args.seconds <= 0:
        die("--rounds must be >= 1 and --seconds > 0")

    cli = find_cli(args.cli)
    load_before = os.getloadavg()
    torch.set_num_threads(1)
    slice_s = args.seconds / args.rounds
    m = bsm.read(args.model)
    resnet = bsm.read(args.resnet)
    x = images(m, 1, 1)[0]
    xr = images(resnet, 1, 1)[0]
    engines = [e for e in INT8_ENGINES if e in torch.backends.quantized.supported_engines]

    # name -> (callable, input, quantized engine or None, group)
    peers = {}
    for e in engines:
        peers[f"PyTorch int8 {resnet.name} [{e}]"] = (quantise(resnet, e, xr), xr, e, "int8_resnet")
    for e in engines:
        try:
            peers[f"PyTorch int8 {m.name} shapes [{e}]"] = (quantise(m, e, x), x, e, "int8_model")
        except ValueError as err:
            print(f"note: no int8 {m.name} ({err})", file=sys.stderr)
    fnet = float_net(m)
    peers[f"PyTorch float TorchScript {m.name} shapes"] = (torchscript_float(fnet, x), x, None, "float_ts")
    try:
        lean = torchscript_float(int8_ready_net(m), x)
        peers[f"PyTorch float TorchScript {m.name} shapes, lean"] = (lean, x, None, "float_ts")
    except ValueError as err:
        print(f"note: no lean float {m.name} ({err})", file=sys.stderr)
    if args.eager:
        peers[f"PyTorch float eager {m.name} shapes"] = (fnet, x, None, "float_eager")

    order = ["blendscope"] + list(peers)
    ms = {name: [] for name in order}
    runs = {name: 0 for name in order}
    loads, matches, ours = [], [], None
    for r in range(args.rounds):
        loads.append(os.getloadavg()[0])
        k = r % len(order)
        for name in order[k:] + order[:k]:   # rotate the order from round to round
            if name == "blendscope":
                out = run_blendscope(cli, args.model, slice_s, args.isa)
                ours = ours or out
                matches.append(out.get("logits_match_reference"))
                ms[name].append(out["per_image_ms"]["median"])
                runs[name] += out["runs"]
            else:
                fn, inp, eng, _ = peers[name]
                med, n = time_slice(fn, inp, slice_s, eng)
                ms[name].append(med)
                runs[name] += n
    load_after = os.getloadavg()

    bs = ms["blendscope"]
    engines_out = {name: dict(summarise(ms[name]), runs=runs[name]) for name in order}
    ratios = {name: ratio_summary(ms[name], bs) for name in peers}
    targets = []
    for group, goal, what in (("int8_resnet", TARGET_INT8, f"PyTorch int8 {resnet.name} (fastest engine)"),
                              ("float_ts", TARGET_FLOAT, f"PyTorch float TorchScript {m.name} shapes "
                                                         "(fastest variant)")):
        names = [n for n in peers if peers[n][3] == group]
        if not names:
            continue
        # per round, the fastest row of the group in that round
        t = ratio_summary([min(ms[n][r] for n in names) for r in range(args.rounds)], bs)
        targets.append({"target": f">= {goal:g}x faster than {what}", "ratio": t, "pass": t["median"] >= goal,
                        "fastest": min(names, key=lambda n: statistics.median(ms[n]))})

    result = {
        "model": m.name, "resnet": resnet.name, "batch": 1, "threads": 1, "rounds": args.rounds,
        "seconds_per_slice": slice_s, "cli": cli, "torch_version": torch.__version__,
        "int8_engines": engines, "cpu": ours.get("cpu") or cpu_model(), "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)), "blendscope_isa": ours.get("isa"),
        "torch_cpu_capability": torch_capability(), "isa_requested": args.isa,
        "loadavg_before": load_before, "loadavg_after": load_after, "loadavg_1min_per_round": loads,
        "blendscope_logits_match_reference": all(matches),
        "engines_ms": engines_out, "speedup": ratios, "targets": targets,
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return

    print(f"{m.name} vs PyTorch {torch.__version__}: batch 1, 1 thread, {args.rounds} interleaved rounds "
          f"of {slice_s:.2f} s per engine")
    print(f"  CPU: {result['cpu']}, {result['cpu_count']} CPUs ({result['cpus_usable']} usable); "
          f"blendscope ISA: {result['blendscope_isa']}; PyTorch CPU capability: {result['torch_cpu_capability']}")
    print(f"  load average before {' '.join(f'{v:.2f}' for v in load_before)}, "
          f"after {' '.join(f'{v:.2f}' for v in load_after)}")
    print(f"  PyTorch int8 engines: {', '.join(engines) or 'none'}; blendscope-cli: {cli}")
    print(f"  blendscope logits identical to the reference interpreter: {result['blendscope_logits_match_reference']}")
    print()
    w = max(len(n) for n in order)
    print(f"  {'engine':<{w}}  {'median of rounds':>16}  {'best round':>10}  {'runs':>6}  blendscope is (median of rounds, range)")
    for name in order:
        e = engines_out[name]
        line = f"  {name:<{w}}  {e['median_of_rounds']:13.4f} ms  {e['best_round']:7.4f} ms  {e['runs']:6d}"
        if name in ratios:
            q = ratios[name]
            line += f"  {q['median']:6.2f}x  ({q['min']:.2f}-{q['max']:.2f})"
        print(line)
    print()
    for t in targets:
        q = t["ratio"]
        extra = f"; fastest over the rounds: {t['fastest']}"
        print(f"  target {t['target']}: {q['median']:.2f}x ({q['min']:.2f}-{q['max']:.2f}) "
              f"{'PASS' if t['pass'] else 'MISS'}{extra}")
    if result["blendscope_isa"] != "avx2":
        print(f"  (the targets are defined on AVX2; blendscope ran {result['blendscope_isa']}: "
              "use --isa avx2 for the issue's verdict)")


if __name__ == "__main__":
    main()
