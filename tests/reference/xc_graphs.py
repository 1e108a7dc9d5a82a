# SPDX-License-Identifier: GPL-3.0-or-later
"""Seeded random integer graphs, written straight in the .bsm vocabulary (no exporter):
every layer kind, odd shapes and strides, kernels up to 5, paddings up to k-1, channel
counts across the 64-bit word boundary, thermometer levels from 1 to 64, and
batchnorm parameters at the edges of the spec (negative and zero multipliers, shift 0
and 62, saturating and ReLU outputs, the int64 bound nearly reached). Every graph passes
intref.check (the validation rules of docs/model-format.md section 6).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "tools"))

from blendtorch import bsm, intref  # noqa: E402

I32_MAX = (1 << 31) - 1
I64_MAX = (1 << 63) - 1
INT = ("i4", "i8", "i16", "i32")


class _Builder:
    def __init__(self, seed, input_shape, probe):
        self.rs = np.random.RandomState(seed)
        self.m = bsm.Model(name=f"random-graph-{seed}", input_shape=tuple(input_shape),
                           description="random integer graph (tests/reference/xc_graphs.py)")
        self.info = {"input": ("u8", tuple(input_shape))}
        self.probe = probe
        self.n = 0

    def add(self, kind, inputs, path="main", precision=None, **params):
        name = f"l{self.n}.{kind}"
        self.n += 1
        if precision is None:
            precision = "binary" if kind in ("sign", "thermometer", "conv_binary", "fc_binary") else "fixed"
        self.m.layers.append(bsm.Layer(name, kind, list(inputs), precision, path, None, params))
        res = intref.check(self.m)
        self.info[name] = (res[-1][1], res[-1][2])
        return name

    def tensor(self, name, dtype, data):
        return self.m.add_tensor(name, dtype, data)

    def values(self, name):
        """Current values of layer `name` on the probe images (int64 torch)."""
        return intref.run_all(self.m, self.probe)[name]

    # -- layers with parameters
    def conv(self, x, binary, fc=False):
        rs = self.rs
        t, (C, H, W) = self.info[x]
        cout = int(rs.choice([1, 2, 3, 5, 8, 13, 24, 63, 64, 65, 100][: self.max_choice]))
        if fc:
            k, s, p = 1, 1, 0
        else:
            k = int(rs.randint(1, 6))
            p = int(rs.randint(0, k))
            s = int(rs.randint(1, 4))
            if (H + 2 * p - k) // s + 1 < 1 or (W + 2 * p - k) // s + 1 < 1:
                k, s, p = 1, 1, 0
        shape = (cout, C) if fc else (cout, C, k, k)
        n = self.n
        if binary:
            w = np.where(rs.rand(*shape) < rs.uniform(0.2, 0.8), 1, -1)
            wn = self.tensor(f"l{n}.weight", "u1", w)
            if fc:
                return self.add("fc_binary", [x], out_channels=cout, weights=wn)
            return self.add("conv_binary", [x], out_channels=cout, kernel=k, stride=s, pad=p, weights=wn)
        wbits = int(rs.choice([4, 8, 16]))
        lim = (1 << (wbits - 1)) - 1
        w = rs.randint(-lim, lim + 1, size=shape).astype(np.int64)
        mx = intref.TYPE_MAXABS[t]
        use_bias = rs.rand() < 0.6
        budget = I32_MAX // mx
        if use_bias:
            budget = budget * 3 // 4
        wf = w.reshape(cout, -1)
        for o in range(cout):  # respect max|x| * sum|w| + |bias| <= 2^31 - 1
            while np.abs(wf[o]).sum() > budget:
                wf[o] = wf[o] // 2
        w = wf.reshape(shape)
        params = dict(out_channels=cout)
        if not fc:
            params.update(kernel=k, stride=s, pad=p)
        params["wbits"] = wbits
        params["weights"] = self.tensor(f"l{n}.weight", "i16" if wbits == 16 else "i8", w)
        if use_bias:
            room = I32_MAX - mx * np.abs(wf).sum(axis=1)
            b = np.array([rs.randint(-min(r, 1 << 24), min(r, 1 << 24) + 1) for r in room])
            params["bias"] = self.tensor(f"l{n}.bias", "i32", b)
        return self.add("fc_fixed" if fc else "conv_fixed", [x], **params)

    def batchnorm(self, x):
        rs = self.rs
        t, (C, H, W) = self.info[x]
        v = self.values(x).double()
        mean = v.mean(dim=(0, 2, 3)).numpy()
        std = v.std(dim=(0, 2, 3)).numpy() + 1.0
        out_bits = int(rs.choice([4, 8, 16, 32]))
        relu = bool(rs.rand() < 0.3)
        mx = intref.TYPE_MAXABS[t]
        mul = np.zeros(C, np.int64)
        add = np.zeros(C, np.int64)
        sh = np.zeros(C, np.int64)
        for c in range(C):
            mode = rs.choice(["spread", "spread", "spread", "spread", "zero", "shift0", "edge62"])
            if mode == "spread":  # outputs spread over about a third of the range
                target = (1 << (out_bits - 1)) / 3.0 / std[c]
                s = int(np.clip(30 - np.ceil(np.log2(target)), 0, 62))
                m = int(np.clip(np.rint(target * 2.0 ** s), 1, I32_MAX))
                m = -m if rs.rand() < 0.3 else m
                a = int(np.rint(-mean[c] * m + rs.normal(0, 0.3) * (1 << (out_bits - 1)) / 3.0 * 2.0 ** s))
            elif mode == "zero":
                m, s = 0, int(rs.randint(0, 63))
                a = int(rs.randint(-(1 << 20), 1 << 20)) << min(s, 40)
            elif mode == "shift0":
                s = 0
                m = int(rs.randint(-3, 4))
                a = int(rs.randint(-100, 101))
            else:  # the int64 bound nearly reached
                s = 62
                m = int(rs.choice([1, -1])) * int(rs.randint(1, I32_MAX))
                a = 0
            r = (1 << (s - 1)) if s else 0
            room = I64_MAX - mx * abs(m) - r
            if room < 0:
                m, room = 0, I64_MAX - r
            a = max(-room, min(room, a))
            if mode == "edge62":
                a = int(rs.randint(-(1 << 62), 1 << 62)) if room >= (1 << 62) else int(room * rs.uniform(-1, 1))
            mul[c], add[c], sh[c] = m, a, s
        n = self.n
        return self.add("batchnorm", [x], mul=self.tensor(f"l{n}.mul", "i32", mul),
                        add=self.tensor(f"l{n}.add", "i64", add),
                        shift=self.tensor(f"l{n}.shift", "i8", sh), out_bits=out_bits, relu=relu)


def random_graph(seed, steps=10, max_hw=8, big=True, probe_count=4):
    """A seeded random valid graph. big=False keeps channel counts small (for the scalar
    reference in xc_pyref)."""
    rs = np.random.RandomState(seed)
    C = int(rs.randint(1, 4))
    H = int(rs.randint(2, max_hw + 1))
    W = int(rs.randint(2, max_hw + 1))
    probe = rs.randint(0, 256, size=(probe_count, C, H, W)).astype(np.uint8)
    b = _Builder(seed, (C, H, W), probe)
    b.max_choice = 11 if big else 6
    if rs.rand() < 0.5:
        x = b.add("thermometer", ["input"], path="stem", levels=int(rs.choice([1, 2, 3, 7, 32, 64])))
    else:
        x = b.add("quantize_input", ["input"], path="stem")
    for _ in range(steps):
        t, (C, H, W) = b.info[x]
        n_el = C * H * W
        if t == "bits":
            choices = ["conv_binary", "conv_binary", "fc_binary", "transpose", "concat"]
        else:
            choices = ["batchnorm", "batchnorm", "sign", "avgpool", "add", "concat", "transpose"]
            if t != "i32":
                choices += ["conv_fixed", "conv_fixed", "fc_fixed"]
        op = rs.choice(choices)
        if op in ("transpose",) and (H * W > (130 if big else 40)):
            op = "concat" if n_el < 2000 else choices[0]
        if op == "concat" and 2 * C > (130 if big else 30):
            op = choices[0]
        if op == "avgpool" and min(H, W) < 2:
            op = "batchnorm"
        if op == "conv_binary":
            x = b.conv(x, True)
        elif op == "fc_binary":
            x = b.conv(x, True, fc=True)
        elif op == "conv_fixed":
            x = b.conv(x, False)
        elif op == "fc_fixed":
            x = b.conv(x, False, fc=True)
        elif op == "batchnorm":
            x = b.batchnorm(x)
        elif op == "sign":
            x = b.add("sign", [x])
        elif op == "avgpool":
            k = int(rs.randint(1, min(H, W, 4) + 1))
            x = b.add("avgpool", [x], kernel=k, stride=int(rs.randint(1, 4)))
        elif op == "add":
            same = [n for n, (tt, sh) in b.info.items() if sh == (C, H, W) and tt in INT]
            other = same[int(rs.randint(0, len(same)))]
            x = b.add("add", [x, other], path="merge")
        elif op == "concat":
            same = [n for n, (tt, sh) in b.info.items() if tt == t and sh[1:] == (H, W) and sh[0] + C <= 130]
            other = same[int(rs.randint(0, len(same)))] if same else x
            x = b.add("concat", [x, other], path="skip")
        elif op == "transpose":
            x = b.add("transpose", [x])
    t, _ = b.info[x]
    if t == "bits":
        x = b.conv(x, True, fc=True)
    if rs.rand() < 0.5:
        x = b.add("global_avgpool", [x], path="head")
    return b.m
