#!/usr/bin/python3
"""`blendscope-cli eval --dataset fashion-mnist` against the PyTorch integer oracle
(tools/blendtorch/intref.py, written from the format spec alone): an untrained 1x28x28
BlendNet exported here, the Fashion-MNIST test files read here with gzip and numpy, the
oracle's logits tallied here; eval's top-1, top-5, per-class counts and confusion matrix
must be the same numbers.

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

from blendtorch import bsm, intref  # noqa: E402

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
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "blendscope-export"),
                        "blendnet20", "--random-init", "--seed", "5", "--input-size", "28",
                        "--in-channels", "1", "--widths", "8,16,32", "--blocks", "1",
                        "--labels", FMNIST_LABELS, "-o", cls.model],
                       check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_counts_equal_the_oracle(self):
        images = read_idx_gz(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz"))[:N_IMAGES]
        labels = read_idx_gz(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz"))[:N_IMAGES]
        logits = np.asarray(intref.run(bsm.read(self.model), np.array(images[:, None, :, :])))
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
