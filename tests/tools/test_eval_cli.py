#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`blendscope-cli eval` without PyTorch: its counts against an oracle that shares no code
with it — the reference interpreter's logits (`blendscope-cli run --reference`) tallied
here with numpy — and its errors on bad input (missing data set, wrong shape, counts that
differ, labels out of range).

Environment: BS_CLI (blendscope-cli), BS_SOURCE_ROOT.
"""
import json
import os
import signal
import subprocess
import time
import tempfile
import unittest

import numpy as np

ROOT = os.environ.get("BS_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
CLI = os.environ.get("BS_CLI", "")
MODEL = os.path.join(ROOT, "data", "models", "blendnet20.bsm")
SAMPLES = os.path.join(ROOT, "data", "models", "sample-inputs.npy")


def cli(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))


def oracle_tally(logits, labels):
    """top-1, top-5 (stable descending order: ties go to the lower class index, as
    torch.argmax) and the confusion matrix, from logits with numpy."""
    n, k = logits.shape
    order = np.argsort(-logits, axis=1, kind="stable")
    predicted = order[:, 0]
    top5 = sum(int(labels[i] in order[i, :5]) for i in range(n))
    confusion = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(labels, predicted):
        confusion[t, p] += 1
    return int((predicted == labels).sum()), top5, confusion


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "BS_CLI (blendscope-cli) not given")
class Eval(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="bs-eval-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def save(self, name, array):
        np.save(self.path(name), array)
        return self.path(name)

    def reference_logits(self):
        out = self.path("logits.npy")
        p = cli("run", MODEL, "--reference", "--input", SAMPLES, "--logits-out", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        return np.load(out).astype(np.int64)

    def test_counts_match_the_reference_interpreter(self):
        logits = self.reference_logits()
        n = len(logits)
        # Labels chosen so that some images are right at top-1, some only at top-5, some
        # wrong: the prediction, the third-ranked class, the last-ranked class, in turn.
        order = np.argsort(-logits, axis=1, kind="stable")
        labels = np.array([order[i, (0, 2, 9)[i % 3]] for i in range(n)], dtype=np.int64)
        want_top1, want_top5, want_conf = oracle_tally(logits, labels)
        self.assertTrue(0 < want_top1 < want_top5 < n)
        for dtype in (np.int64, np.int32, np.uint8):
            with self.subTest(labels=np.dtype(dtype).name):
                lab = self.save("labels.npy", labels.astype(dtype))
                p = cli("eval", MODEL, "--images", SAMPLES, "--labels", lab, "--json")
                self.assertEqual(p.returncode, 0, p.stderr)
                got = json.loads(p.stdout)
                self.assertEqual(got["images"], n)
                self.assertEqual(got["backend"], "cpu")
                self.assertEqual(got["top1_correct"], want_top1)
                self.assertEqual(got["top5_correct"], want_top5)
                self.assertAlmostEqual(got["top1"], want_top1 / n)
                self.assertAlmostEqual(got["top5"], want_top5 / n)
                self.assertEqual(np.array(got["confusion"]).tolist(), want_conf.tolist())
                for c, row in enumerate(got["per_class"]):
                    self.assertEqual(row["images"], int(want_conf[c].sum()))
                    self.assertEqual(row["correct"], int(want_conf[c, c]))
        # --limit: the first images only; text output names the model's labels.
        p = cli("eval", MODEL, "--images", SAMPLES, "--labels", lab, "--limit", "5")
        self.assertEqual(p.returncode, 0, p.stderr)
        t1, _, _ = oracle_tally(logits[:5], labels[:5])
        self.assertIn(f"top-1: {100 * t1 / 5:.2f}% ({t1} / 5)", p.stdout)
        self.assertIn("airplane", p.stdout)

    def test_session_stores_the_accuracy(self):
        logits = self.reference_logits()
        labels = np.arange(len(logits)) % 10
        want_top1, want_top5, _ = oracle_tally(logits, labels)
        lab = self.save("labels.npy", labels)
        db = self.path("runs.db")
        p = cli("eval", MODEL, "--images", SAMPLES, "--labels", lab, "--session", "acc",
                "--db", db)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("recorded as run 1 in session 'acc'", p.stdout)
        # A second run without an evaluation (record), to compare against.
        p = cli("record", MODEL, "--db", db, "--probe", "synthetic", "-n", "4", "--backend", "cpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        top1 = f"{100 * want_top1 / len(labels):.2f} %"
        top5 = f"{100 * want_top5 / len(labels):.2f} %"
        runs = cli("runs", "--db", db)
        self.assertEqual(runs.returncode, 0, runs.stderr)
        lines = {line.split()[0]: line for line in runs.stdout.splitlines()[1:]}
        self.assertIn(top1, lines["1"])
        self.assertNotIn("%", lines["2"])
        show = cli("show", "1", "--db", db)
        self.assertIn(f"top-1 {top1} ({want_top1}), top-5 {top5} ({want_top5}) of "
                      f"{len(labels)} images of sample-inputs.npy, run on cpu", show.stdout)
        self.assertIn(f"{len(labels)} inferences", show.stdout)
        compare = cli("compare", "1", "2", "--db", db)
        self.assertEqual(compare.returncode, 0, compare.stderr)
        self.assertIn("accuracy vs cost per image", compare.stdout)
        row = [line for line in compare.stdout.splitlines() if line.split()[:1] == ["1"]
               and "%" in line]
        self.assertEqual(len(row), 1, compare.stdout)
        self.assertIn(f"{100 * want_top1 / len(labels):.2f} %", row[0])

    def test_ctrl_c_stops_and_keeps_the_run_as_aborted(self):
        images = self.save("many.npy", np.tile(np.load(SAMPLES), (400, 1, 1, 1)))
        labels = self.save("many-labels.npy", np.zeros(6400, np.int64))
        db = self.path("runs.db")
        p = subprocess.Popen([CLI, "eval", MODEL, "--images", images, "--labels", labels,
                              "--session", "cut", "--db", db],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err)
        self.assertIn("evaluation stopped after", err)
        self.assertNotIn("top-1", out)
        runs = cli("runs", "--db", db)
        self.assertIn("aborted", runs.stdout)
        self.assertNotIn("%", runs.stdout.splitlines()[1])   # no accuracy stored

    def test_csim_backend_counts_alike(self):
        logits = self.reference_logits()
        labels = self.save("labels.npy", np.arange(len(logits)) % 10)
        want_top1, want_top5, _ = oracle_tally(logits, np.arange(len(logits)) % 10)
        p = cli("eval", MODEL, "--images", SAMPLES, "--labels", labels, "--backend", "csim",
                "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)
        self.assertEqual((got["backend"], got["top1_correct"], got["top5_correct"]),
                         ("csim", want_top1, want_top5))

    def assert_fails(self, args, message, env=None, status=1):
        p = cli("eval", *args, env=env)
        self.assertEqual(p.returncode, status, p.stderr)
        self.assertIn(message, p.stderr)
        self.assertNotIn("Sanitizer", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_missing_dataset_names_the_package(self):
        self.assert_fails([MODEL, "--dataset", "fashion-mnist"], "dataset-fashion-mnist",
                          env={"BS_FASHION_MNIST_DIR": self.path("nowhere")})

    def test_checkpoint_without_pytorch_names_the_package(self):
        # A torch package that fails to import, as on a machine without python3-torch.
        os.makedirs(self.path("notorch/torch"))
        with open(self.path("notorch/torch/__init__.py"), "w") as f:
            f.write("raise ImportError('No module named torch')\n")
        with open(self.path("net.pt"), "wb") as f:
            f.write(b"any")
        labels = self.save("labels.npy", np.zeros(16, np.int64))
        self.assert_fails([MODEL, "--images", SAMPLES, "--labels", labels, "--checkpoint",
                           self.path("net.pt")], "install Debian's python3-torch",
                          env={"PYTHONPATH": self.path("notorch")})
        self.assert_fails([MODEL, "--images", SAMPLES, "--labels", labels, "--checkpoint",
                           self.path("net.pt")], "cannot start",
                          env={"BS_PYTHON3": self.path("no-python")})

    def test_bad_input(self):
        good = np.load(SAMPLES)
        images = self.save("images.npy", good)
        labels10 = self.save("labels16.npy", np.zeros(len(good), dtype=np.int64))
        cases = [
            (["--images", self.save("gray.npy", np.zeros((4, 1, 28, 28), np.uint8)),
              "--labels", self.save("l4.npy", np.zeros(4, np.int64))], "want uint8 images of shape"),
            (["--images", self.save("hw.npy", np.zeros((4, 32, 32), np.uint8)),
              "--labels", self.save("l4b.npy", np.zeros(4, np.int64))], "want uint8 images of shape"),
            (["--images", self.save("f32.npy", good.astype(np.float32)),
              "--labels", labels10], "unsupported dtype"),
            (["--images", images, "--labels", self.save("l3.npy", np.zeros(3, np.int64))],
             "has 16 images but"),
            (["--images", images, "--labels", self.save("l2d.npy", np.zeros((16, 1), np.int64))],
             "want labels of shape (N,)"),
            (["--images", images, "--labels", self.save("big.npy", np.full(16, 10, np.int64))],
             "outside the model's 10 classes"),
            (["--images", images, "--labels", self.save("neg.npy", np.full(16, -1, np.int32))],
             "negative"),
            (["--images", images, "--labels", self.path("absent.npy")], "absent.npy"),
            (["--dataset", "cifar-100"], "unknown data set"),
            (["--images", images, "--labels", labels10, "--backend", "nosuch"], "nosuch"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assert_fails([MODEL, *args], message)
        self.assert_fails([MODEL], "--dataset or --images", status=2)
        self.assert_fails([MODEL, "--images", images], "go together", status=2)
        self.assert_fails([MODEL, "--dataset", "fashion-mnist", "--images", images,
                           "--labels", labels10], "either --dataset", status=2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
