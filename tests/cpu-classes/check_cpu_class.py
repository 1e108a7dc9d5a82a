#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""One class of x86-64 CPU: which CPU kernel sets blendscope-cli offers on it, and every
bundled model's logits on each of them, bit-identical to the reference interpreter.

    check_cpu_class.py CLASS

CLASS is native (this host's CPU), avx2 (qemu-x86_64 -cpu max: AVX2, no AVX-512), noavx
(qemu-x86_64 -cpu Nehalem: SSE4.2, no AVX) or aarch64 (the boards' CPUs: BS_CLI built for
aarch64, run under qemu-aarch64 on another host). The kernel sets the CPU must offer come
from outside the code under test: /proc/cpuinfo for native, QEMU's CPU model otherwise.
Each set it offers runs every bundled model; each it must refuse is asked for and must
give a clear error naming the missing instructions (exit 1), never a signal. The oracle
(blendscope-cli --reference, the integer reference interpreter) runs natively, from
BS_ORACLE_CLI (default: BS_CLI).

The output says which kernel sets ran natively, which under emulation and which could
not run on this host at all. Exit 77 (skipped) when qemu-x86_64 is absent or the host is
not x86-64 (for an x86 class). Environment: BS_CLI (blendscope-cli), BS_ORACLE_CLI,
BS_SOURCE_ROOT.
"""
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ISAS = ("scalar", "avx2", "avx512")
# The CPU features each kernel set needs (accel/cpu/bs-cpu-kernels.c), in /proc/cpuinfo's
# spelling.
NEEDS = {
    "scalar": (),
    "avx2": ("avx2", "fma", "bmi2", "popcnt"),
    "avx512": ("avx2", "fma", "bmi2", "popcnt", "avx512f", "avx512bw", "avx512vl",
               "avx512_vpopcntdq", "avx512_vnni"),
}
# [emulator, its arguments, the kernel sets the class has]. QEMU 7.2's TCG: -cpu max has
# AVX2 (new in 7.2) and no AVX-512; Nehalem has no AVX. aarch64 has the scalar set only.
CLASSES = {
    "native": None,
    "avx2": ("x86_64", ["-cpu", "max"], {"scalar", "avx2"}),
    "noavx": ("x86_64", ["-cpu", "Nehalem"], {"scalar"}),
    "aarch64": ("aarch64", [], {"scalar"}),
}

CLI = os.environ.get("BS_CLI", "")
ORACLE_CLI = os.environ.get("BS_ORACLE_CLI", CLI)
ROOT = os.environ.get("BS_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "data", "models")


def host_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def expected_isas(cls):
    if cls == "native" and platform.machine() == "x86_64":
        flags = host_flags()
        return {isa for isa in ISAS if all(f in flags for f in NEEDS[isa])}
    if cls == "native":
        return {"scalar"}
    return CLASSES[cls][2]


def offered_isas(wrapper):
    """The kernel sets `blendscope-cli devices` says this CPU can run."""
    out = subprocess.run(wrapper + [CLI, "devices"], check=True, capture_output=True, text=True).stdout
    lines = out.split("CPU kernel sets", 1)[1].splitlines()[1:]
    offered = set()
    for line in lines:
        words = line.split()
        if not words:
            break
        if words[0] in ISAS and words[1] == "available":
            offered.add(words[0])
    return offered


def model_inputs(names, sample, tmp):
    """Per model the inputs file: sample-inputs.npy when its shape fits (the CIFAR-sized
    reference models), else 16 seeded random uint8 images of the model's input shape
    (the trained 1x28x28 Fashion-MNIST models)."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    from blendtorch import bsm  # numpy only

    shape = np.load(sample).shape[1:]
    out = {}
    for name in names:
        want = tuple(bsm.read(os.path.join(MODELS, name)).input_shape)
        if want == shape:
            out[name] = sample
            continue
        out[name] = os.path.join(tmp, name + ".inputs.npy")
        rs = np.random.RandomState(4242)
        np.save(out[name], rs.randint(0, 256, size=(16, *want)).astype(np.uint8))
    return out


def run_logits(wrapper, model, inputs, out, engine, cli=CLI):
    cmd = wrapper + [cli, "run", model, "--input", inputs, "--logits-out", out] + engine
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p, cmd


def main():
    cls = sys.argv[1]
    wrapper = []
    how = "natively"
    # x86 classes always run under QEMU (its CPU model is the class); aarch64 natively on
    # an aarch64 host
    if CLASSES[cls] is not None and not (cls == "aarch64" and platform.machine() == "aarch64"):
        arch, args = CLASSES[cls][0], CLASSES[cls][1]
        if arch == "x86_64" and platform.machine() != "x86_64":
            print(f"1..0 # SKIP {cls}: the host is {platform.machine()}, not x86-64")
            return 77
        qemu = shutil.which("qemu-" + arch)
        if qemu is None:
            print(f"1..0 # SKIP {cls}: qemu-{arch} not found (apt-get install qemu-user)")
            return 77
        wrapper = [qemu] + args
        how = "under emulation (" + " ".join(["qemu-" + arch] + args) + ")"

    expected = expected_isas(cls)
    offered = offered_isas(wrapper)
    names = sorted(f for f in os.listdir(MODELS) if f.endswith(".bsm"))
    sample = os.path.join(MODELS, "sample-inputs.npy")
    n = 2 + len(ISAS) * len(names)
    print(f"1..{n}")
    failures = 0
    t = 0

    def report(ok, what):
        nonlocal failures, t
        t += 1
        failures += not ok
        print(f"{'ok' if ok else 'not ok'} {t} - {what}")

    report(offered == expected,
           f"{cls}: kernel sets offered {sorted(offered)}, expected {sorted(expected)}")
    # the default (no isa=) is the best set offered
    with tempfile.TemporaryDirectory(prefix="bs-cpu-class-") as tmp:
        inputs = model_inputs(names, sample, tmp)
        ref = {}
        for name in names:
            path = os.path.join(MODELS, name)
            ref[name] = os.path.join(tmp, name + ".ref.npy")
            p, cmd = run_logits([], path, inputs[name], ref[name], ["--reference"], cli=ORACLE_CLI)
            if p.returncode != 0:
                sys.exit(f"Bail out! oracle failed: {' '.join(cmd)}: {p.stderr.strip()}")
        best = max(offered, key=ISAS.index) if offered else None
        p, cmd = run_logits(wrapper, os.path.join(MODELS, names[0]), inputs[names[0]],
                            os.path.join(tmp, "default.npy"), ["--backend", "cpu", "--iterations", "1"])
        report(p.returncode == 0 and np.array_equal(np.load(os.path.join(tmp, "default.npy")),
                                                    np.load(ref[names[0]])),
               f"{cls}: the default cpu backend runs {names[0]} (best set: {best}) {how}"
               + ("" if p.returncode == 0 else f": exit {p.returncode}: {p.stderr.strip()}"))

        for isa in ISAS:
            if isa in offered:
                for name in names:
                    out = os.path.join(tmp, f"{name}.{isa}.npy")
                    p, cmd = run_logits(wrapper, os.path.join(MODELS, name), inputs[name], out,
                                        ["--backend", f"cpu:isa={isa}", "--iterations", "1"])
                    if p.returncode != 0:
                        report(False, f"{isa} {name}: exit {p.returncode}: {p.stderr.strip()}")
                        continue
                    a, b = np.load(out), np.load(ref[name])
                    report(a.shape == b.shape and np.array_equal(a, b),
                           f"{isa} {how}: {name} logits {a.shape} identical to --reference")
                print(f"# {isa}: ran {how}")
                continue
            # a set the CPU lacks: a clear refusal, exit 1, never a signal
            p, cmd = run_logits(wrapper, os.path.join(MODELS, names[0]), inputs[names[0]],
                                os.path.join(tmp, "refused.npy"), ["--backend", f"cpu:isa={isa}"])
            clear = p.returncode == 1 and "lacks" in p.stderr
            report(clear, f"{isa} refused {how}: exit {p.returncode}: {p.stderr.strip()}")
            for name in names[1:]:
                t += 1
                print(f"ok {t} # SKIP {isa} {name}: not runnable on this CPU class")
            if cls == "native":
                print(f"# {isa}: COULD NOT RUN on this host ({p.stderr.strip()}); "
                      f"no CPU class this host can emulate has it: its kernels were not tested here")
            else:
                print(f"# {isa}: not in this CPU class; refused cleanly")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
