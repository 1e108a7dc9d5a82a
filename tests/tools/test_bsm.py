#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The .bsm reader/writer of tools/blendtorch (bsm.py) without PyTorch: it must import
and work with numpy alone, agree with the C loader (blendscope-cli info) on every bundled
model, write back every bundled file byte for byte, and refuse what the C loader refuses.

Environment: BS_CLI (blendscope-cli), BS_SOURCE_ROOT.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ.get("BS_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
CLI = os.environ.get("BS_CLI", "")
MODELS = os.path.join(ROOT, "data", "models")
sys.path.insert(0, os.path.join(ROOT, "tools"))

from blendtorch import bsm  # noqa: E402


def bundled():
    return sorted(os.path.join(MODELS, f) for f in os.listdir(MODELS) if f.endswith(".bsm"))


def c_info(path):
    """(C, H, W, n_layers) as the C loader reads the file, or None if it refuses it."""
    p = subprocess.run([CLI, "info", path], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    m = re.search(r"^input (\d+)x(\d+)x(\d+) \w+, output \d+ logits, (\d+) layers", p.stdout, re.M)
    if m is None:
        raise AssertionError(f"unexpected `info` output: {p.stdout!r}")
    return tuple(int(g) for g in m.groups())


class TorchFree(unittest.TestCase):
    def test_no_torch(self):
        self.assertNotIn("torch", sys.modules, "importing blendtorch.bsm pulled in PyTorch")


@unittest.skipUnless(CLI and os.access(CLI, os.X_OK), "BS_CLI (blendscope-cli) not given")
class AgainstTheCLoader(unittest.TestCase):
    def test_bundled_models_read_alike(self):
        for path in bundled():
            with self.subTest(model=os.path.basename(path)):
                m = bsm.read(path)
                self.assertEqual(c_info(path), (*m.input_shape, len(m.layers)))

    def test_bundled_models_written_back_byte_for_byte(self):
        for path in bundled():
            with self.subTest(model=os.path.basename(path)):
                with open(path, "rb") as f:
                    self.assertEqual(bsm.to_bytes(bsm.read(path)), f.read())

    def test_damaged_files_refused_by_both(self):
        with open(os.path.join(MODELS, "blendnet20.bsm"), "rb") as f:
            data = f.read()
        damaged = {
            "truncated": data[: len(data) // 2],
            "tensor byte flipped": data[:-100] + bytes([data[-100] ^ 0x40]) + data[-99:],
            "empty": b"",
        }
        with tempfile.TemporaryDirectory(prefix="bs-bsm-") as tmp:
            for what, blob in damaged.items():
                with self.subTest(damage=what):
                    path = os.path.join(tmp, what.replace(" ", "-") + ".bsm")
                    with open(path, "wb") as f:
                        f.write(blob)
                    with self.assertRaises(bsm.BsmError):
                        bsm.read(path)
                    self.assertIsNone(c_info(path), f"the C loader accepted a {what} file")


if __name__ == "__main__":
    unittest.main(verbosity=2)
