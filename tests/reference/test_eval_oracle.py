#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`blendscope-cli eval --dataset fashion-mnist` against the PyTorch integer oracle
(tools/blendtorch/intref.py, written from the format spec alone): an untrained 1x28x28
BlendNet exported here, the Fashion-MNIST test files read here with gzip and numpy, the
oracle's logits tallied here; eval's top-1, top-5, per-class counts and confusion matrix
must be the same numbers. With --checkpoint, eval's integer/float agreement must be the
one counted here between the float network (run in this process) and the oracle.

Environment: BS_CLI, BS_SOURCE_ROOT. Needs python3-torch and dataset-fashion-mnist.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.environ.get("BS_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
CLI = os.environ.get("BS_CLI", "")
FMNIST = "/usr/share/datasets/fashion-mnist"
N_IMAGES = 600
sys.path.insert(0, os.path.join(ROOT, "tools"))

import torch  # noqa: E402

from blendtorch import bsm, export, intref, models  # noqa: E402

OPTIONS = {"input_size": 28, "in_channels": 1, "widths": (8, 16, 32), "blocks": 1}
FMNIST_LABELS = "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"


def read_idx_gz(path):
    """The IDX layout per LeCun's page: 0 0 8 n, big-endian dims, bytes."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    assert data[:3] == b"\x00\x00\x08", path
    n = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(n)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n).reshape(dims)


@unittest.skipUnless(os.path.exists(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz")),
                     "dataset-fashion-mnist is not installed")
class EvalAgainstIntref(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="bs-eval-oracle-")
        cls.model = os.path.join(cls.tmp.name, "fm.bsm")
        cls.checkpoint = os.path.join(cls.tmp.name, "fm.pt")
        # A seeded float network, saved as a checkpoint and exported from it.
        cls.net = models.build("blendnet20", **OPTIONS)
        models.init_weights(cls.net, 5)
        models.calibrate_bn(cls.net, models.synthetic_images(64, 5, channels=1, size=28), 5)
        cls.net.eval()
        torch.save({"arch": "blendnet20", "options": OPTIONS,
                    "state_dict": cls.net.state_dict()}, cls.checkpoint)
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "blendscope-export"),
                        "--checkpoint", cls.checkpoint, "--labels", FMNIST_LABELS,
                        "-o", cls.model], check=True, capture_output=True)
        cls.images = read_idx_gz(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz"))[:N_IMAGES]
        cls.labels = read_idx_gz(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz"))[:N_IMAGES]
        cls.logits = np.asarray(intref.run(bsm.read(cls.model), np.array(cls.images[:, None])))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_counts_equal_the_oracle(self):
        labels, logits = self.labels, self.logits
        order = np.argsort(-logits, axis=1, kind="stable")   # ties: lower class first
        top1 = int((order[:, 0] == labels).sum())
        top5 = int(sum(labels[i] in order[i, :5] for i in range(N_IMAGES)))
        confusion = np.zeros((10, 10), dtype=np.int64)
        np.add.at(confusion, (labels.astype(np.int64), order[:, 0]), 1)

        p = subprocess.run([CLI, "eval", self.model, "--dataset", "fashion-mnist", "--limit",
                            str(N_IMAGES), "--json"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)
        print(f"oracle: top-1 {top1}/{N_IMAGES}, top-5 {top5}/{N_IMAGES}; "
              f"eval: {got['top1_correct']}, {got['top5_correct']}")
        self.assertEqual(got["images"], N_IMAGES)
        self.assertEqual(got["dataset"], "fashion-mnist (t10k)")
        self.assertEqual((got["top1_correct"], got["top5_correct"]), (top1, top5))
        self.assertEqual(got["confusion"], confusion.tolist())
        self.assertEqual([c["label"] for c in got["per_class"]], FMNIST_LABELS.split(","))
        self.assertEqual([c["images"] for c in got["per_class"]],
                         np.bincount(labels, minlength=10).tolist())

        self.assertIsNone(got["float_model"])

    def test_float_agreement(self):
        float_pred = export.float_logits(self.net, np.array(self.images[:, None])).argmax(1).numpy()
        int_pred = np.argsort(-self.logits, axis=1, kind="stable")[:, 0]
        agree = int((float_pred == int_pred).sum())
        correct = int((float_pred == self.labels).sum())
        p = subprocess.run([CLI, "eval", self.model, "--dataset", "fashion-mnist", "--limit",
                            str(N_IMAGES), "--checkpoint", self.checkpoint, "--json"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)["float_model"]
        print(f"float/integer agreement: here {agree}/{N_IMAGES}, eval {got['agree']}")
        self.assertEqual((got["agree"], got["top1_correct"]), (agree, correct))
        self.assertAlmostEqual(got["agreement"], agree / N_IMAGES)

    def test_checkpoint_errors(self):
        bad = os.path.join(self.tmp.name, "bad.pt")
        with open(bad, "wb") as f:
            f.write(b"not a pickle")
        other = os.path.join(self.tmp.name, "other.pt")
        torch.save({"arch": "blendnet20", "options": dict(OPTIONS, widths=(16, 16, 32)),
                    "state_dict": models.build("blendnet20", **dict(OPTIONS, widths=(16, 16, 32)))
                    .state_dict()}, other)
        for checkpoint, message in ((bad, "cannot load"), (other, "differing: widths"),
                                    (os.path.join(self.tmp.name, "absent.pt"), "absent.pt")):
            with self.subTest(checkpoint=os.path.basename(checkpoint)):
                p = subprocess.run([CLI, "eval", self.model, "--dataset", "fashion-mnist",
                                    "--limit", "10", "--checkpoint", checkpoint],
                                   capture_output=True, text=True)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("--checkpoint", p.stderr)
                self.assertIn(message, p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
