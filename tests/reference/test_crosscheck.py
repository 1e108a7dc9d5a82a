#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PyTorch cross-check: the C reference interpreter against the independent oracle.

  OracleSelfCheck     the oracle itself: intref (PyTorch) == xc_pyref (scalar Python) on
                      random graphs and an exported model; the spec's rounding examples;
                      .bsm packing, round trip and corruption handling
  CrossCheckC         `blendscope-cli run MODEL --input X.npy --logits-out L.npy --reference`
                      == intref, bit for bit, on: the bundled data/models/*.bsm; models
                      exported from seeded float models of every architecture in many
                      configurations; seeded random integer graphs at the edges of the
                      spec. Skipped only when the CLI binary is absent (BS_CLI).
  QuantisationSanity  the exporter against the float PyTorch models: every layer of the
                      integer model within its rounding of the float layer (fed the same
                      dequantised input), and top-1 agreement float vs integer

Environment: BS_CLI (path of blendscope-cli), BS_CLI_WRAPPER (a command to run it under,
e.g. "qemu-x86_64 -cpu Nehalem"), BS_SOURCE_ROOT (source tree; default: two
folders up). Plain unittest: `/usr/bin/python3 tests/reference/test_crosscheck.py [-k NAME]`.
"""

import copy
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
SRC = os.environ.get("BS_SOURCE_ROOT") or os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tools"))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from blendtorch import bsm, export, intref, models, reference  # noqa: E402
import xc_graphs  # noqa: E402
import xc_pyref  # noqa: E402
import xc_train  # noqa: E402

torch.set_num_threads(1)  # the C program runs beside us on the other core

CLI = os.environ.get("BS_CLI", "")
# Runs the C engines as another CPU would, e.g. "qemu-x86_64 -cpu Nehalem" (tests/cpu-classes)
CLI_WRAPPER = os.environ.get("BS_CLI_WRAPPER", "").split()
HAVE_CLI = bool(CLI) and os.path.isfile(CLI) and os.access(CLI, os.X_OK)
MODELS_DIR = os.path.join(SRC, "data", "models")
# Under BS_CLI_WRAPPER (qemu, 5-20x slower) fewer inputs: the kernels and their paths
# are the same for every input, and the native run checks 100.
N_INPUTS = 32 if CLI_WRAPPER else 100
SUMMARY = []


def note(line):
    SUMMARY.append(line)
    print("  " + line, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- helpers

def make_inputs(shape, n, seed):
    """n uint8 images (n, C, H, W): all-0, all-255, a 0/255 checkerboard, a quarter
    smooth synthetic images, the rest uniform noise (seeded)."""
    C, H, W = shape
    rs = np.random.RandomState(seed)
    x = rs.randint(0, 256, size=(n, C, H, W)).astype(np.uint8)
    x[0] = 0
    x[1] = 255
    x[2] = (np.indices((C, H, W)).sum(axis=0) % 2 * 255).astype(np.uint8)
    k = n // 4
    x[3:3 + k] = models.synthetic_images(k, seed + 1, channels=C, size=H) if H == W else x[3:3 + k]
    return x


# The C engines checked against the oracle: the reference interpreter and the CPU backend
# (its best instruction set on this machine, as users run it). Under BS_CLI_WRAPPER (another
# CPU class) only the CPU backend, whose kernels differ by class; the interpreter is
# plain C, checked natively.
ENGINES = ((("reference", ["--reference"]),) if not CLI_WRAPPER else ()) + (("cpu", ["--backend", "cpu"]),)


class CliJob:
    """blendscope-cli run ... on one engine, started in the background."""

    def __init__(self, model_path, x, tmp, tag, engine=ENGINES[0]):
        self.inp = os.path.join(tmp, f"{tag}-inputs.npy")
        self.out = os.path.join(tmp, f"{tag}-{engine[0]}-logits.npy")
        np.save(self.inp, np.ascontiguousarray(x, dtype=np.uint8))
        self.cmd = CLI_WRAPPER + [CLI, "run", model_path, "--input", self.inp, "--logits-out", self.out] + engine[1]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def result(self, tc):
        _, err = self.proc.communicate(timeout=900)
        if self.proc.returncode != 0:
            tc.fail(f"{' '.join(self.cmd)} failed (exit {self.proc.returncode}): "
                    f"{err.decode(errors='replace').strip()}")
        y = np.load(self.out)
        if y.dtype != np.int32:
            tc.fail(f"{self.out}: logits are {y.dtype}, expected int32")
        return y


def assert_identical(tc, what, ours, theirs):
    ours = np.asarray(ours)
    if ours.min(initial=0) < -(1 << 31) or ours.max(initial=0) >= (1 << 31):
        tc.fail(f"{what}: oracle logits do not fit int32")
    if ours.shape != theirs.shape:
        tc.fail(f"{what}: logits shape C {theirs.shape} != PyTorch {ours.shape}")
    bad = np.argwhere(ours != theirs)
    if len(bad):
        i, k = bad[0]
        tc.fail(f"{what}: {len(bad)} of {ours.size} logits differ; first at image {i}, "
                f"index {k}: C {int(theirs[i, k])}, PyTorch {int(ours[i, k])} "
                f"({len(np.unique(bad[:, 0]))} images affected)")


def perturb_bn(net, seed, neg=0.25, zero=0.05):
    """Negate the gamma of a fraction of BN channels and zero another fraction (negative and
    zero multipliers in the integer model)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n in net.nodes:
            if n.kind == "batchnorm":
                bn = net.op(n.name)
                r = torch.rand(bn.num_features, generator=g)
                bn.weight[r < neg] *= -1
                bn.weight[(r >= neg) & (r < neg + zero)] = 0.0
    return net


def seeded_float_model(arch, opts, seed, perturb=False):
    net = models.build(arch, **opts)
    models.init_weights(net, seed)
    C, H, W = net.input_shape
    cal = models.synthetic_images(64, seed + 1, channels=C, size=H)
    models.calibrate_bn(net, cal, seed)
    if perturb:
        perturb_bn(net, seed)
    return net, cal


# small configurations of every architecture: odd channel counts, strides 1 and 2, 1x1 and
# 3x3 skips, 4/8/16 bits, thermometer on and off, small and odd input sizes
RANDOM_CONFIGS = [
    ("blendnet-odd-3-24-40", "blendnet20", dict(widths=(3, 24, 40), blocks=1, input_size=16), False),
    ("blendnet-k3-4bit-100ch", "blendnet20", dict(widths=(24, 40, 100), blocks=1, skip_kernel=3,
                                                  skip_bits=4, act_bits=4, input_size=16), True),
    ("blendnet-thermo-k3-16bit", "blendnet20", dict(widths=(8, 16), blocks=2, thermometer=True,
                                                    skip_kernel=3, skip_bits=16, act_bits=16,
                                                    input_size=16), False),
    ("blendnet-thermo7-15px", "blendnet20", dict(widths=(5, 24), blocks=1, thermometer=True, levels=7,
                                                 skip_bits=16, act_bits=8, input_size=15), True),
    ("blendnet-16-32-64-k3-relu-a16", "blendnet20", dict(blocks=1, skip_kernel=3, skip_relu=True,
                                                         act_bits=16, input_size=16), False),
    ("resnet-bnn-3-6-12", "resnet20-bnn", dict(widths=(3, 6, 12), blocks=1, input_size=16), True),
    ("resnet-bnn-thermo-a16", "resnet20-bnn", dict(widths=(24, 48), blocks=2, thermometer=True,
                                                   act_bits=16, input_size=16), False),
    ("resnet-int-4bit", "resnet20-int8", dict(widths=(3, 6, 12), blocks=2, wbits=4, act_bits=4,
                                              input_size=16), True),
    ("resnet-int-16bit", "resnet20-int8", dict(widths=(5, 10), blocks=1, wbits=16, act_bits=16,
                                               input_size=16), False),
    ("mixer-d24", "blendmixer", dict(dim=24, layers=2, input_size=16), True),
    ("mixer-d40-p2-16bit", "blendmixer", dict(dim=40, layers=1, patch=2, input_size=8, skip_bits=16,
                                              act_bits=16), False),
    ("mixer-d3-4bit", "blendmixer", dict(dim=3, layers=1, input_size=12, skip_bits=4, act_bits=4), True),
]

TRAINED_CONFIGS = [
    ("blendnet", "blendnet20", dict(widths=(8, 16, 32), blocks=1, input_size=16)),
    ("blendnet-thermo", "blendnet20", dict(widths=(8, 16, 32), blocks=2, thermometer=True, input_size=16)),
    ("resnet-bnn", "resnet20-bnn", dict(widths=(8, 16, 32), blocks=1, input_size=16)),
    ("resnet-int8", "resnet20-int8", dict(widths=(8, 16, 32), blocks=1, input_size=16)),
    ("blendmixer", "blendmixer", dict(dim=24, layers=2, input_size=16)),
]

BUNDLED = ["blendnet20", "blendnet20-thermo", "resnet20-bnn", "resnet20-int8", "blendmixer"]


# ----------------------------------------------------------------------------- the oracle itself

class Timed(unittest.TestCase):
    def setUp(self):
        self._t0 = time.time()

    def tearDown(self):
        print(f"  [{self.id().split('.')[-1]}: {time.time() - self._t0:.1f} s]", file=sys.stderr, flush=True)


class OracleSelfCheck(Timed):
    """intref against a second, scalar implementation, and the spec's own examples."""

    def test_intref_equals_scalar_reference_on_random_graphs(self):
        for seed in range(40):
            m = bsm.read(bsm.to_bytes(xc_graphs.random_graph(seed, big=False)))
            x = np.random.RandomState(seed + 99).randint(0, 256, size=(2,) + m.input_shape).astype(np.uint8)
            ours = intref.run(m, x).numpy()
            ref = np.array([xc_pyref.run_image(m, img) for img in x])
            with self.subTest(seed=seed):
                self.assertEqual(ours.shape, ref.shape)
                self.assertTrue((ours == ref).all(), f"graph {seed}: intref != scalar reference")
        note("oracle: intref == scalar Python reference on 40 random graphs")

    def test_intref_equals_scalar_reference_on_exported_models(self):
        for arch, opts in [("blendnet20", dict(widths=(3, 5), blocks=1, input_size=8, thermometer=True,
                                                levels=4, skip_kernel=3)),
                           ("resnet20-bnn", dict(widths=(2, 4), blocks=1, input_size=8)),
                           ("blendmixer", dict(dim=5, layers=1, patch=4, input_size=8))]:
            net, cal = seeded_float_model(arch, opts, 5, perturb=True)
            m = export.export(net, cal).model
            x = make_inputs(m.input_shape, 3, 17)
            ours = intref.run(m, x).numpy()
            ref = np.array([xc_pyref.run_image(m, img) for img in x])
            self.assertTrue((ours == ref).all(), f"{arch}: intref != scalar reference")

    def test_rounding_examples(self):
        # batchnorm mul=1, add=0, shift=1 on x - 128: round_shift(v, 1) = floor((v + 1) / 2)
        m = bsm.Model("r", (1, 1, 7))
        m.layers.append(bsm.Layer("q", "quantize_input", ["input"], "fixed", "stem"))
        m.layers.append(bsm.Layer("bn", "batchnorm", ["q"], "fixed", "main", params=dict(
            mul=m.add_tensor("m", "i32", [1]), add=m.add_tensor("a", "i64", [0]),
            shift=m.add_tensor("s", "i8", [1]), out_bits=8)))
        x = (np.array([-3, -2, -1, 0, 1, 2, 3]) + 128).astype(np.uint8).reshape(1, 1, 1, 7)
        self.assertEqual(intref.run(m, x).tolist(), [[-1, -1, 0, 0, 1, 1, 2]])  # half -> +inf
        # global average pool: round_div(v, n) = floor((2v + n) / 2n)
        m.layers[1] = bsm.Layer("gap", "global_avgpool", ["q"], "fixed", "head")
        for vals, want in [([-1, -1, 0, 0], 0), ([-2, -1, 0, 0], -1), ([-2, -2, 0, 0], -1),
                           ([-3, -3, 0, 0], -1), ([2, 0, 0, 0], 1), ([-6, 0, 0, 0], -1), ([-7, 0, 0, 0], -2)]:
            m.input_shape = (1, 1, 4)
            x = (np.array(vals) + 128).astype(np.uint8).reshape(1, 1, 1, 4)
            self.assertEqual(int(intref.run(m, x)[0, 0]), want, vals)
        # saturation with ReLU, sign(0) = +1, thermometer levels
        m = bsm.Model("t", (1, 1, 4))
        m.layers.append(bsm.Layer("t", "thermometer", ["input"], "binary", "stem", params=dict(levels=4)))
        x = np.array([0, 31, 32, 255], np.uint8).reshape(1, 1, 1, 4)
        y = intref.run_all(m, x)["t"][0, :, 0, :].T.tolist()  # per pixel, the 4 levels
        # L = (x*4 + 128) >> 8: 0 -> 0, 31 -> 0, 32 -> 1, 255 -> 4
        self.assertEqual(y, [[-1, -1, -1, -1], [-1, -1, -1, -1], [1, -1, -1, -1], [1, 1, 1, 1]])

    def test_u1_packing(self):
        m = bsm.Model("p", (1, 1, 1))
        bits = [1, -1, -1, 1, 1, 1, 1, 1, -1]  # bit 1 means -1, LSB first
        m.add_tensor("w", "u1", np.array(bits).reshape(9, 1))
        m.layers.append(bsm.Layer("q", "quantize_input", ["input"], "fixed", "stem"))
        m.layers.append(bsm.Layer("s", "sign", ["q"], "binary", "main"))
        m.layers.append(bsm.Layer("f", "fc_binary", ["s"], "binary", "main",
                                  params=dict(out_channels=9, weights="w")))
        blob = bsm.to_bytes(m)
        doff = int.from_bytes(blob[24:32], "little")
        self.assertEqual(blob[doff:doff + 2], bytes([0b00000110, 0b00000001]))
        self.assertEqual(bsm.read(blob).tensor("w").reshape(-1).tolist(), bits)

    def test_file_round_trip_and_refusals(self):
        m = bsm.read(os.path.join(MODELS_DIR, "blendnet20.bsm")) if os.path.exists(
            os.path.join(MODELS_DIR, "blendnet20.bsm")) else xc_graphs.random_graph(3)
        blob = bsm.to_bytes(m)
        self.assertEqual(bsm.to_bytes(bsm.read(blob)), blob)
        # the header is what the spec says configparser reads
        import configparser
        hlen = int.from_bytes(blob[16:24], "little")
        cp = configparser.ConfigParser(interpolation=None, strict=True)
        cp.optionxform = str
        cp.read_string(blob[128:128 + hlen].decode("utf-8"))
        self.assertIn("model", cp.sections())
        bad = bytearray(blob)
        bad[-1] ^= 1
        with self.assertRaisesRegex(bsm.BsmError, "SHA-256"):
            bsm.read(bytes(bad))
        with self.assertRaisesRegex(bsm.BsmError, "size"):
            bsm.read(blob[:-1])
        with self.assertRaisesRegex(bsm.BsmError, "magic"):
            bsm.read(b"\x89BSM\n\n\x1a\n" + blob[8:])
        text = blob[128:128 + hlen].decode()
        for mutation, why in [(("kind=sign", "kind=sign\nfoo=1"), "unknown key"),
                              (("[model]", "[model]\n[model]"), "already exists"),
                              (("[model]", "[wat]\n[model]"), "unknown group")]:
            t2 = text.replace(*mutation, 1)
            with self.assertRaisesRegex(bsm.BsmError, why):
                bsm.parse_header(t2, blob[int.from_bytes(blob[24:32], "little"):])

    def test_check_refuses_overflow(self):
        m = bsm.Model("o", (1, 4, 4))
        m.layers.append(bsm.Layer("q", "quantize_input", ["input"], "fixed", "stem"))
        w = np.full((1, 1, 3, 3), 32767)
        m.layers.append(bsm.Layer("c", "conv_fixed", ["q"], "fixed", "main", params=dict(
            out_channels=1, kernel=3, stride=1, pad=1, wbits=16, weights=m.add_tensor("w", "i16", w))))
        intref.check(m)                       # 128 * 9 * 32767 fits int32
        m.tensors["w"].data[...] = 0
        m.tensors["w"].data[0, 0, 0, 0] = 1
        m.layers.insert(1, bsm.Layer("bn", "batchnorm", ["q"], "fixed", "main", params=dict(
            mul=m.add_tensor("m", "i32", [1]), add=m.add_tensor("a", "i64", [0]),
            shift=m.add_tensor("s", "i8", [0]), out_bits=32)))
        m.layers[2].inputs = ["bn"]
        with self.assertRaisesRegex(bsm.BsmError, "overflow"):
            intref.check(m)                   # 2^31 * 1 > 2^31 - 1


# ----------------------------------------------------------------------------- C vs PyTorch

class CrossCheckC(Timed):
    """blendscope-cli --reference against intref, bit for bit."""

    @classmethod
    def setUpClass(cls):
        if not HAVE_CLI:
            note(f"C cross-check SKIPPED: no blendscope-cli binary (BS_CLI={CLI!r})")
            raise unittest.SkipTest(f"blendscope-cli not found (BS_CLI={CLI!r})")
        cls.tmp = tempfile.TemporaryDirectory(prefix="bs-crosscheck-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def _compare(self, what, model, path, x, tag):
        t = time.time()
        jobs = [(engine[0], CliJob(path, x, self.tmp.name, tag, engine)) for engine in ENGINES]
        ours = intref.run_batched(model, x)
        for name, job in jobs:
            assert_identical(self, f"{what} [{name}]", ours.numpy(), job.result(self))
        return time.time() - t

    def test_bundled_models(self):
        names = sorted(f[:-4] for f in os.listdir(MODELS_DIR) if f.endswith(".bsm"))
        for name in BUNDLED:
            self.assertIn(name, names, f"data/models/{name}.bsm is missing")
        sample = np.load(os.path.join(MODELS_DIR, "sample-inputs.npy"))
        # start every C run first (two cores: the C runs overlap each other and the oracle)
        jobs = []
        for name in names:
            path = os.path.join(MODELS_DIR, name + ".bsm")
            m = bsm.read(path)
            x = make_inputs(m.input_shape, N_INPUTS, 4242)
            if sample.shape[1:] == tuple(m.input_shape):
                x[N_INPUTS - len(sample):] = sample
            jobs.append((name, m, x, [(e[0], CliJob(path, x, self.tmp.name, name, e)) for e in ENGINES]))
        for name, m, x, engine_jobs in jobs:
            with self.subTest(model=name):
                ours = intref.run_batched(m, x)
                for engine, job in engine_jobs:
                    assert_identical(self, f"data/models/{name}.bsm [{engine}]", ours.numpy(),
                                     job.result(self))
                note(f"C == PyTorch: data/models/{name}.bsm, {N_INPUTS} inputs, bit-identical "
                     f"on {', '.join(e[0] for e in ENGINES)}")

    def test_exported_configurations(self):
        for i, (label, arch, opts, perturb) in enumerate(RANDOM_CONFIGS):
            with self.subTest(config=label):
                seed = 100 + i
                net, cal = seeded_float_model(arch, opts, seed, perturb)
                path = os.path.join(self.tmp.name, label + ".bsm")
                export.export(net, cal, path)
                m = bsm.read(path)
                x = make_inputs(m.input_shape, N_INPUTS, seed)
                dt = self._compare(f"{label} ({arch} {opts}, seed {seed})", m, path, x, label)
                note(f"C == PyTorch: exported {label}{' (negated/zero BN gammas)' if perturb else ''}, "
                     f"{N_INPUTS} inputs, bit-identical ({dt:.1f} s)")

    def test_random_graphs(self):
        count = 0
        for seed in range(1000, 1040):
            with self.subTest(graph=seed):
                m = xc_graphs.random_graph(seed, steps=12, big=True)
                path = os.path.join(self.tmp.name, f"graph-{seed}.bsm")
                bsm.write(m, path)
                x = make_inputs(m.input_shape, 40, seed)
                self._compare(f"random graph {seed} ({', '.join(l.kind for l in m.layers)})",
                              m, path, x, f"graph-{seed}")
                count += 1
        note(f"C == PyTorch: {count} seeded random integer graphs (edge parameters), 40 inputs each")


# ----------------------------------------------------------------------------- quantisation sanity

def _deq(iv, scales, name):
    q = iv[name].double()
    s = scales.get(name) if name != "input" else None
    if s is None:
        return q
    if isinstance(s, list):
        return q * torch.tensor(s, dtype=torch.float64).view(1, -1, 1, 1)
    return q * s


WTOL = {4: 0.35, 8: 0.03, 16: 0.01}


def layer_fidelity(tc, label, net, res, images):
    """Every layer of the integer model against the float layer fed the same (dequantised)
    inputs: exact where the op is exact, within rounding for batchnorm and pooling, within
    the weight quantisation for fixed-point conv/FC. Returns the worst relative errors."""
    m = res.model
    scales = res.report["scales"]
    iv = intref.run_all(m, images)
    fnet = copy.deepcopy(net).double().eval()
    worst = {}
    with torch.no_grad():
        for n in fnet.nodes:
            ins = [_deq(iv, scales, i) for i in n.inputs]
            f = fnet._eval(n, ins)
            q = iv[n.name].double()
            out = _deq(iv, scales, n.name)
            where = f"{label}: layer {n.name} ({n.kind})"
            if n.kind in ("quantize_input", "thermometer", "sign", "concat", "transpose",
                          "conv_binary", "fc_binary"):
                err = float((out - f).abs().max())
                tc.assertLess(err, 1e-9 * max(1.0, float(f.abs().max())), where)
            elif n.kind == "add":
                tc.assertTrue(torch.equal(out, f) or float((out - f).abs().max()) < 1e-9 * float(f.abs().max()),
                              where)
            elif n.kind in ("conv_fixed", "fc_fixed"):
                rel = float((out - f).norm() / f.norm().clamp(min=1e-300))
                worst[n.kind] = max(worst.get(n.kind, 0.0), rel)
                # per-tensor weights (the head) are coarser for the rows with small weights
                tol = WTOL[n.attrs["wbits"]] * (2 if n.attrs.get("per_tensor") else 1)
                tc.assertLess(rel, tol, where)
            elif n.kind in ("batchnorm", "avgpool", "global_avgpool"):
                s = scales[n.name]
                s = torch.tensor(s, dtype=torch.float64).view(1, -1, 1, 1) if isinstance(s, list) else s
                y = f / s
                if n.kind == "batchnorm":
                    bits = n.attrs["out_bits"]
                    lo = 0 if n.attrs.get("relu") else -(1 << (bits - 1))
                    y = y.clamp(lo, (1 << (bits - 1)) - 1)
                err = (q - y).abs() - 1e-6 * y.abs()
                tc.assertLessEqual(float(err.max()), 0.5 + 1e-6,
                                   f"{where}: integer output off the rounded float by > 1/2 unit")
            else:
                tc.fail(f"{where}: no fidelity rule")
    return worst


def top1(logits):
    return logits.argmax(dim=1).numpy()


class QuantisationSanity(Timed):
    """The exporter against the float models: not self-consistency, the float PyTorch layers."""

    def test_layer_fidelity_reference_models(self):
        held = reference.heldout_inputs(64)
        for name in BUNDLED:
            with self.subTest(model=name):
                net, res = reference.make(name)
                worst = layer_fidelity(self, name, net, res, held[:12])
                path = os.path.join(MODELS_DIR, name + ".bsm")
                same = False
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        same = f.read() == bsm.to_bytes(res.model)
                fi = top1(export.float_logits(net, held))
                ii = top1(intref.run_batched(res.model, held))
                agree = float((fi == ii).mean())
                note(f"fidelity: {name}: every layer within rounding "
                     f"(fixed conv/FC rel. error <= {max(worst.values(), default=0):.4f}); "
                     f"bundled file {'== recipe' if same else 'DIFFERS from recipe on this machine'}; "
                     f"untrained float-vs-int top-1 agreement {agree:.0%} (chance 10%)")

    def test_layer_fidelity_random_configurations(self):
        for i, (label, arch, opts, perturb) in enumerate(RANDOM_CONFIGS):
            with self.subTest(config=label):
                net, cal = seeded_float_model(arch, opts, 100 + i, perturb)
                res = export.export(net, cal)
                C, H, W = net.input_shape
                layer_fidelity(self, label, net, res, models.synthetic_images(8, 77, channels=C, size=H))
        note(f"fidelity: {len(RANDOM_CONFIGS)} random configurations, every layer within rounding")

    def test_logit_scale_recorded(self):
        """The provenance's logit_scale turns integer logits into the float model's: the
        app's softmax confidence (core/bs-predict.c) rests on it. Oracle: PyTorch."""
        net, cal = seeded_float_model("resnet20-int8", dict(widths=(8, 16), blocks=1, input_size=16), 5)
        res = export.export(net, cal)
        scale = float(res.model.provenance["logit_scale"])
        C, H, W = net.input_shape
        x = models.synthetic_images(32, 55, channels=C, size=H)
        real = export.float_logits(net, x).numpy()
        ints = intref.run_batched(res.model, x).numpy().reshape(real.shape).astype(np.float64)
        err = np.abs(ints * scale - real).max() / np.abs(real).max()
        note(f"logit_scale: int8 ResNet, 32 images: |int x scale - float| <= {err:.3f} of max|float|")
        self.assertLess(err, 0.1)
        # A wrong scale by 2x would not pass: the check has teeth.
        self.assertGreater(np.abs(ints * scale * 2 - real).max() / np.abs(real).max(), 0.1)
        ref = reference.make("resnet20-int8")[1].model
        self.assertNotIn("logit_scale", ref.provenance)

    def test_top1_agreement_trained(self):
        for label, arch, opts in TRAINED_CONFIGS:
            with self.subTest(model=label):
                t = time.time()
                torch.manual_seed(0)
                net = models.build(arch, **opts)
                models.init_weights(net, 11)
                xc_train.train(net, steps=80, seed=3)
                C, H, W = net.input_shape
                cal, _ = xc_train.task_images(128, 5, size=H, channels=C)
                test, labels = xc_train.task_images(300, 6, size=H, channels=C)
                res = export.export(net, cal)
                fi = top1(export.float_logits(net, test))
                ii = top1(intref.run_batched(res.model, test))
                agree = float((fi == ii).mean())
                note(f"top-1: {label} ({arch}, trained 80 steps on the synthetic task): float acc "
                     f"{(fi == labels).mean():.0%}, int acc {(ii == labels).mean():.0%}, "
                     f"float-vs-int agreement {agree:.0%} ({time.time() - t:.1f} s)")
                self.assertGreaterEqual(agree, 0.60, f"{label}: float/int top-1 agreement {agree:.0%} < 60 %")


def tearDownModule():
    print("\n==== cross-check summary ====", file=sys.stderr)
    print(f"C program: {CLI if HAVE_CLI else 'absent (C comparisons skipped)'}", file=sys.stderr)
    for line in SUMMARY:
        print("  " + line, file=sys.stderr)
    sys.stderr.flush()


if __name__ == "__main__":
    unittest.main(verbosity=2)
