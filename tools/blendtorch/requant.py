# SPDX-License-Identifier: GPL-3.0-or-later
"""Requantisation helpers shared by the exporter (export.py) and the QONNX importer
(qonnx_import.py): turning a real per-channel affine map y = M*x + A into the .bsm
batchnorm triple (mul, add, shift) of docs/model-format.md section 5. numpy only."""

import math

import numpy as np

I32_MAX = (1 << 31) - 1
I64_MAX = (1 << 63) - 1


def rint(x):
    """Round half away from zero (deterministic, platform independent)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def fold_channel(m, a, in_maxabs):
    """One channel: (mul, add, shift) with mul/2^shift ~ m and add/2^shift ~ a.

    shift = 29 - floor(log2|m|) (|mul| in [2^29, 2^30)), clamped to 0..62 and lowered
    until in_maxabs*|mul| + |add| + 2^(shift-1) <= 2^63 - 1. Returns (mul, add, shift,
    clipped) where clipped says |mul| had to be clipped to int32."""
    if m == 0.0:
        sh = 29 - math.floor(math.log2(abs(a))) if a != 0.0 else 0
    else:
        sh = 29 - math.floor(math.log2(abs(m)))
    sh = min(max(sh, 0), 62)
    while True:
        mi = int(rint(m * 2.0 ** sh))
        ai = int(rint(a * 2.0 ** sh))
        r = (1 << (sh - 1)) if sh > 0 else 0
        if (abs(mi) <= I32_MAX and in_maxabs * abs(mi) + abs(ai) + r <= I64_MAX) or sh == 0:
            break
        sh -= 1
    clipped = abs(mi) > I32_MAX
    if clipped:
        mi = I32_MAX if mi > 0 else -I32_MAX
    return mi, ai, sh, clipped


def within_i64(in_maxabs, mul, add, shift):
    return in_maxabs * abs(mul) + abs(add) + ((1 << (shift - 1)) if shift else 0) <= I64_MAX
