#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Training from scratch in CI: tools/blendscope-train's digits recipe (a tiny BlendNet on
sklearn's 8x8 digits) trains, exports, and `blendscope-cli eval` must classify the
held-out digits at >= 90 % top-1. The C engine's count of correct images must equal the
integer oracle's (tools/blendtorch/intref.py, PyTorch ops), and the training must stay
within a CPU minute.

Environment: BS_CLI (blendscope-cli), BS_SOURCE_ROOT.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.environ.get("BS_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
CLI = os.environ.get("BS_CLI", "")
sys.path.insert(0, os.path.join(ROOT, "tools"))

from blendtorch import bsm, datasets, intref  # noqa: E402

RECIPE = "digits-blendnet"
MIN_TOP1 = 0.90
MAX_TRAIN_CPU_SECONDS = 60.0


def cli_eval(model, images, labels, tmp):
    xi, yi = os.path.join(tmp, "images.npy"), os.path.join(tmp, "labels.npy")
    np.save(xi, images)
    np.save(yi, labels)
    p = subprocess.run([CLI, "eval", model, "--images", xi, "--labels", yi, "--json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"blendscope-cli eval failed ({p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "BS_CLI (blendscope-cli) not given")
class TrainDigits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory(prefix="bs-train-")
        cls.tmp = cls.tmpdir.name
        cls.model_path = os.path.join(cls.tmp, "digits.bsm")
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "blendscope-train"), RECIPE,
                            "-o", cls.model_path], capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError(f"blendscope-train {RECIPE} failed ({p.returncode}):\n{p.stderr}")
        print(p.stdout, end="", file=sys.stderr)
        cls.images, cls.labels = datasets.load("digits", "test")
        cls.report = cli_eval(cls.model_path, cls.images, cls.labels, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.tmpdir.cleanup()

    def test_eval_top1_on_held_out_digits(self):
        n, hits = self.report["images"], self.report["top1_correct"]
        self.assertEqual(n, len(self.labels))
        print(f"blendscope-cli eval: top-1 {hits}/{n} = {100.0 * hits / n:.2f} %", file=sys.stderr)
        self.assertGreaterEqual(hits / n, MIN_TOP1)

    def test_engine_count_equals_integer_oracle(self):
        logits = intref.run_batched(bsm.read(self.model_path), self.images).numpy()
        oracle_hits = int(np.sum(logits.argmax(1) == self.labels))
        self.assertEqual(self.report["top1_correct"], oracle_hits)

    def test_held_out_split_is_disjoint(self):
        # the same seeded permutation cut in two: no image index in both parts
        train_x, _ = datasets.load("digits", "train")
        self.assertEqual(len(train_x) + len(self.images), 1797)
        perm = np.random.RandomState(0).permutation(1797)
        self.assertEqual(len(set(perm[:len(self.images)]) & set(perm[len(self.images):])), 0)

    def test_provenance_and_budget(self):
        m = bsm.read(self.model_path)
        self.assertEqual(m.labels, [str(d) for d in range(10)])
        for key in ("dataset", "recipe", "seed", "epochs", "int_top1", "int_float_agreement",
                    "train_cpu_seconds"):
            self.assertIn(key, m.provenance)
        self.assertTrue(m.provenance["recipe"].startswith(RECIPE))
        cpu = float(m.provenance["train_cpu_seconds"].split()[0])
        self.assertLess(cpu, MAX_TRAIN_CPU_SECONDS)


if __name__ == "__main__":
    unittest.main(verbosity=2)
