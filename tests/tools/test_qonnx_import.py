#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""blendscope-import (tools/blendscope-import) against an independent oracle.

QONNX graphs built in code (qonnx_graphs.py: a binary ResNet block, a Blend module, a
BlendNet-20-shaped network, an MLP-Mixer block, a FINN-style net, each QONNX domain
string) are imported with the real command line; blendscope's C engine
(`blendscope-cli run --logits-out`) runs the .bsm on 128 images the importer never saw,
and qonnx_exec.py (numpy, written from the op docs, sharing no code with the importer)
runs the QONNX graph in float64. Required: top-1 agreement >= 99 % and every logit
within the bound the importer reported. Bad files and unmappable graphs must be refused
with one line (node name, op, reason) and exit status 1, never a traceback.

Environment: BS_CLI (blendscope-cli), BS_SOURCE_ROOT.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import helper

ROOT = os.environ.get("BS_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
CLI = os.environ.get("BS_CLI", "")
IMPORT = os.path.join(ROOT, "tools", "blendscope-import")
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import qonnx_exec  # noqa: E402
import qonnx_graphs as G  # noqa: E402

N_TEST = 128
# the other integer engines, which must agree with the default cpu backend bit for bit
ALL_ENGINES = (("--backend", "csim"), ("--backend", "cpu:isa=scalar"), ("--reference",))


def test_images(n, shape, seed):
    """Held-out images: half smooth blobs, half uniform noise (not the importer's generator)."""
    rng = np.random.default_rng(seed)
    C, H, W = shape
    yy, xx = np.mgrid[0:H, 0:W] / max(H, W)
    smooth = np.stack([
        np.stack([np.sin(rng.uniform(1, 6) * xx + rng.uniform(0, 6)) * np.cos(rng.uniform(1, 6) * yy)
                  for _ in range(C)]) for _ in range(n // 2)])
    smooth = (smooth * 127 + 128)
    noise = rng.uniform(0, 255, size=(n - n // 2, C, H, W))
    return np.clip(np.rint(np.concatenate([smooth, noise])), 0, 255).astype(np.uint8)


def run_import(onnx_path, bsm_path, *extra):
    return subprocess.run([sys.executable, IMPORT, onnx_path, "-o", bsm_path, *extra],
                          capture_output=True, text=True)


def run_engine(bsm_path, images, tmp, *engine):
    x, out = os.path.join(tmp, "x.npy"), os.path.join(tmp, "logits.npy")
    np.save(x, images)
    p = subprocess.run([CLI, "run", bsm_path, "--input", x, "--logits-out", out, *engine],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"blendscope-cli run failed: {p.stderr.strip()}")
    return np.load(out)


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "BS_CLI (blendscope-cli) not given")
class Fidelity(unittest.TestCase):
    def check_graph(self, model, in_scale, tag, engine=(), exact=False, also=()):
        """Import `model`, run it on `engine` (and on the engines in `also`, which must give
        the same integers), compare with qonnx_exec."""
        with tempfile.TemporaryDirectory(prefix="bs-qonnx-") as tmp:
            src, dst, rep = (os.path.join(tmp, f"{tag}.onnx"), os.path.join(tmp, f"{tag}.bsm"),
                             os.path.join(tmp, "report.json"))
            onnx.save(model, src)
            p = run_import(src, dst, "--report", rep)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(rep) as f:
                report = json.load(f)
            shape = tuple(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:])
            images = test_images(N_TEST, shape, seed=1000 + len(tag))
            ints = run_engine(dst, images, tmp, *engine)
            for other in also:
                np.testing.assert_array_equal(run_engine(dst, images, tmp, *other), ints,
                                              f"{tag}: {' '.join(other)} differs from {' '.join(engine) or 'cpu'}")
            got = ints.astype(np.float64) * report["logit_scale"]
            want = qonnx_exec.run(model, (images.astype(np.float64) - 128) * in_scale)
            self.assertEqual(got.shape, want.shape)
            err = float(np.abs(got - want).max())
            bound = report["logits"]["bound"]
            agree = float((got.argmax(1) == want.argmax(1)).mean())
            print(f"  {tag}: {len(report['layers'])} layers, max |logit| {np.abs(want).max():.3g}, worst |logit error| {err:.3g} "
                  f"(bound {bound:.3g}, scale {report['logit_scale']:.3g}), top-1 agreement "
                  f"{agree:.1%} on {N_TEST} images", file=sys.stderr)
            self.assertGreaterEqual(agree, 0.99, tag)
            self.assertLessEqual(err, bound + 1e-9 * float(np.abs(want).max()), tag)
            if exact:
                self.assertTrue(report["exact"])
                self.assertEqual(err, 0.0, f"{tag}: an exact import must match bit for bit")
            self.assertGreater(float(np.std(want)), 0.0, "degenerate test graph: constant logits")
            return report

    def paths(self, report):
        return {(l["kind"], l["path"]) for l in report["layers"]}, \
            {l["module"] for l in report["layers"] if l["module"]}

    def test_binary_resnet_block(self):
        r = self.check_graph(*G.resnet_block_net(), "resnet-block")
        kinds, modules = self.paths(r)
        self.assertIn(("conv_binary", "main"), kinds)
        self.assertEqual(modules, {"residual0"})

    def test_blend_module(self):
        r = self.check_graph(*G.blend_net(), "blend-module")
        kinds, modules = self.paths(r)
        self.assertIn(("conv_binary", "main"), kinds)
        self.assertIn(("conv_fixed", "skip"), kinds)
        self.assertIn(("add", "merge"), kinds)
        self.assertEqual(modules, {"blend0"})

    def test_blendnet20_shaped(self):
        r = self.check_graph(*G.blendnet20(), "blendnet20", also=ALL_ENGINES)
        kinds, modules = self.paths(r)
        self.assertEqual(len(modules), 18)
        self.assertIn(("conv_binary", "main"), kinds)
        self.assertIn(("conv_fixed", "skip"), kinds)
        self.assertIn(("fc_fixed", "head"), kinds)
        self.assertIn(("conv_fixed", "stem"), kinds)

    def test_mlp_mixer_block(self):
        r = self.check_graph(*G.mixer_block(), "mixer", also=ALL_ENGINES)
        kinds, modules = self.paths(r)
        self.assertIn(("fc_binary", "main"), kinds)
        self.assertIn(("fc_fixed", "skip"), kinds)
        self.assertIn(("transpose", "main"), kinds)
        self.assertEqual(len(modules), 2)

    def test_finn_multithreshold_trunc(self):
        r = self.check_graph(*G.finn_net(), "finn")
        self.assertIn("avgpool", {l["kind"] for l in r["layers"]})

    def test_downsample_pool_concat(self):
        r = self.check_graph(*G.downsample_net(), "downsample")
        kinds, modules = self.paths(r)
        self.assertIn(("concat", "skip"), kinds)
        self.assertIn(("avgpool", "skip"), kinds)
        self.assertIn(("conv_binary", "main"), kinds)

    def test_trunc_v2(self):
        r = self.check_graph(*G.trunc_v2_net(), "trunc-v2")
        self.assertTrue(any(l["kind"] == "batchnorm" and l["op"] == "Trunc" and l["exact"]
                            for l in r["layers"]), "Trunc v2 with FLOOR on a power-of-two grid is exact")

    def test_each_domain(self):
        for domain in G.DOMAINS:
            with self.subTest(domain=domain):
                self.check_graph(*G.resnet_block_net(seed=7, domain=domain), "domain-" + domain)

    def test_exact_graph_bit_for_bit_on_both_engines(self):
        model, s = G.exact_net()
        self.check_graph(model, s, "exact", exact=True)
        self.check_graph(model, s, "exact-ref", ("--reference",), exact=True)


def mutate(model, fn):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    fn(m)
    return m


def node_named(m, prefix):
    return next(n for n in m.graph.node if n.name.startswith(prefix))


def set_attr(node, name, value):
    for a in list(node.attribute):
        if a.name == name:
            node.attribute.remove(a)
    node.attribute.append(helper.make_attribute(name, value))


def _damaged(base, blob, rng):
    """One seeded damage of a valid model: its serialised bytes, or None if it no longer parses."""
    m = onnx.ModelProto()
    m.CopyFrom(base)
    kind = rng.integers(5)
    if kind == 0:
        b = bytearray(blob)
        for i in rng.integers(0, len(b), 5):
            b[i] = int(rng.integers(256))
        return bytes(b)
    if kind == 1:
        init = m.graph.initializer[int(rng.integers(len(m.graph.initializer)))]
        a = onnx.numpy_helper.to_array(init)
        init.CopyFrom(onnx.numpy_helper.from_array(np.resize(a, (max(1, a.size // 2),)).astype(a.dtype), init.name))
    elif kind == 2:
        n = m.graph.node[int(rng.integers(len(m.graph.node)))]
        if len(n.input) > 1:
            n.input[0], n.input[1] = n.input[1], n.input[0]
    elif kind == 3:
        del m.graph.node[int(rng.integers(len(m.graph.node)))]
    else:
        n = m.graph.node[int(rng.integers(len(m.graph.node)))]
        for a in n.attribute:
            if a.type == onnx.AttributeProto.INTS and a.ints:
                a.ints[0] = int(rng.choice([0, 2, 3, -1]))
            elif a.type == onnx.AttributeProto.INT:
                a.i = int(rng.choice([0, 2, 3, -1]))
            elif a.type == onnx.AttributeProto.FLOAT:
                a.f = float(rng.choice([0.0, -1.0, 1e30]))
    return m.SerializeToString()


class Refusals(unittest.TestCase):
    def refused(self, blob_or_model, *expect, extra=()):
        with tempfile.TemporaryDirectory(prefix="bs-qonnx-bad-") as tmp:
            src, dst = os.path.join(tmp, "bad.onnx"), os.path.join(tmp, "bad.bsm")
            with open(src, "wb") as f:
                f.write(blob_or_model if isinstance(blob_or_model, bytes)
                        else blob_or_model.SerializeToString())
            p = run_import(src, dst, *extra)
            self.assertEqual(p.returncode, 1, f"{expect}: {p.stdout} {p.stderr}")
            self.assertNotIn("Traceback", p.stderr)
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertTrue(lines[0].startswith("blendscope-import: error: "), lines[0])
            for e in expect:
                self.assertIn(e, lines[0])
            self.assertFalse(os.path.exists(dst), "a refused import wrote its output")
            return lines[0]

    def setUp(self):
        self.base, _ = G.resnet_block_net()

    def test_not_onnx(self):
        self.refused(b"this is a text file, not a model\n", "not an ONNX model")

    def test_empty(self):
        self.refused(b"", "empty file")

    def test_truncated(self):
        blob = self.base.SerializeToString()
        self.refused(blob[: len(blob) // 3])

    def test_cyclic(self):
        def cycle(m):
            a, b = m.graph.node[1], m.graph.node[2]
            a.input[0] = b.output[0]
        self.refused(mutate(self.base, cycle), "cycle")

    def test_missing_initializer(self):
        def drop(m):
            del m.graph.initializer[0]
        self.refused(mutate(self.base, drop), "missing initializer")

    def test_unsupported_op(self):
        def sig(m):
            n = node_named(m, "bn_")
            n.op_type = "Sigmoid"
            del n.input[1:]
            n.ClearField("attribute")
        self.refused(mutate(self.base, sig), "(Sigmoid)", "unsupported op", "'bn_")

    def test_rounding_mode(self):
        self.refused(mutate(self.base, lambda m: set_attr(node_named(m, "quant_19"), "rounding_mode",
                                                          "ROUND_TO_ZERO")),
                     "node 'quant_19' (Quant)", "rounding_mode")

    def test_zero_point(self):
        def zp(m):
            q = node_named(m, "quant_19")
            init = next(i for i in m.graph.initializer if i.name == q.input[2])
            init.CopyFrom(onnx.numpy_helper.from_array(np.array(3.0, np.float32), init.name))
        self.refused(mutate(self.base, zp), "node 'quant_19' (Quant)", "zero point")

    def test_dilation(self):
        self.refused(mutate(self.base, lambda m: set_attr(node_named(m, "conv_25"), "dilations", [2, 2])),
                     "node 'conv_25' (Conv)", "dilation")

    def test_groups(self):
        self.refused(mutate(self.base, lambda m: set_attr(node_named(m, "conv_25"), "group", 2)),
                     "node 'conv_25' (Conv)", "groups")

    def test_unknown_domain(self):
        self.refused(mutate(self.base, lambda m: setattr(node_named(m, "bipolar_21"), "domain", "com.example")),
                     "(BipolarQuant)", "unknown domain")

    def test_mutated_graphs_import_or_refuse_cleanly(self):
        """Seeded damage (bytes, initializer shapes, swapped inputs, dropped nodes, odd
        attribute values): every outcome is an import or a QonnxError/BsmError, in process."""
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        from blendtorch import bsm, qonnx_import
        from blendtorch.qonnx_graph import QonnxError
        rng = np.random.default_rng(11)
        blob = self.base.SerializeToString()
        calib = test_images(4, (3, 16, 16), 5)
        outcomes = {"imported": 0, "refused": 0}
        with tempfile.TemporaryDirectory(prefix="bs-qonnx-mut-") as tmp:
            path = os.path.join(tmp, "m.onnx")
            for it in range(60):
                m = _damaged(self.base, blob, rng)
                if m is None:
                    continue
                with open(path, "wb") as f:
                    f.write(m)
                try:
                    qonnx_import.import_qonnx(path, None, calib)
                    outcomes["imported"] += 1
                except (QonnxError, bsm.BsmError) as e:
                    self.assertEqual(len(str(e).splitlines()), 1, str(e))
                    outcomes["refused"] += 1
        print(f"  mutations: {outcomes}", file=sys.stderr)
        self.assertGreater(outcomes["refused"], 10)

    def test_strict_refuses_approximations(self):
        self.refused(G.blend_net()[0], "--strict", extra=("--strict",))

    def test_strict_accepts_exact(self):
        with tempfile.TemporaryDirectory(prefix="bs-qonnx-") as tmp:
            src = os.path.join(tmp, "exact.onnx")
            onnx.save(G.exact_net()[0], src)
            p = run_import(src, os.path.join(tmp, "exact.bsm"), "--strict")
            self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
