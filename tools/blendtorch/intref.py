# SPDX-License-Identifier: GPL-3.0-or-later
"""The integer-semantics oracle: runs a .bsm graph with PyTorch ops, exactly.

Written from docs/model-format.md (sections 4-6) only. Every activation is an int64
torch tensor (N, C, H, W); binary activations hold +1/-1. Convolutions and FC layers
run as float64 torch convolutions: every product and partial sum is an integer below
2^53 in magnitude (asserted per layer), so float64 is exact; the result is converted
to int64. Everything else (batchnorm requantisation, rounding, saturation, pooling,
thermometer) is int64 arithmetic with floor semantics.

    check(model)           -> [(layer name, type, (C, H, W))], raises BsmError
    run(model, images)     -> int64 logits (N, C*H*W of the last layer)
    run_all(model, images) -> {layer name: int64 tensor}
"""

import numpy as np
import torch
import torch.nn.functional as F

from .bsm import BsmError

INT_TYPES = ("i4", "i8", "i16", "i32")
TYPE_MAXABS = {"u8": 255, "bits": 1, "i4": 8, "i8": 128, "i16": 1 << 15, "i32": 1 << 31}
I64_MAX = (1 << 63) - 1
I32_MAX = (1 << 31) - 1
MAX_ELEMENTS = 1 << 28
EXACT = 1 << 53


def _out_hw(h, w, k, s, p):
    return (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1


def _weights_ok(where, t, wbits):
    lim = (1 << (wbits - 1)) - 1
    want = "i16" if wbits == 16 else "i8"
    if t.dtype != want:
        raise BsmError(f"{where}: wbits {wbits} weights must be {want}, got {t.dtype}")
    a = t.data.astype(np.int64)
    if a.size and (a.min() < -lim or a.max() > lim):
        raise BsmError(f"{where}: a weight lies outside [-{lim}, {lim}] (wbits {wbits})")


def check(model):
    """Graph-level validation (types, shapes, ranges, overflow bounds) per spec section 6.

    Returns a list of (name, type, shape) per layer, in order."""
    info = {"input": ("u8", tuple(model.input_shape))}
    out = []
    for l in model.layers:
        where = f"layer {l.name}"
        p = l.params
        ins = [info[i] for i in l.inputs]
        t0, (C, H, W) = ins[0]

        def need(types, which=0):
            t = ins[which][0]
            if t not in types:
                raise BsmError(f"{where}: input '{l.inputs[which]}' has type {t}, "
                               f"{l.kind} needs {'/'.join(types)}")

        def T(key):
            return model.tensors[p[key]]

        k = l.kind
        if k == "quantize_input":
            need(("u8",))
            res = ("i8", (C, H, W))
        elif k == "thermometer":
            need(("u8",))
            res = ("bits", (C * p["levels"], H, W))
        elif k in ("conv_fixed", "conv_binary", "fc_fixed", "fc_binary"):
            fixed = k.endswith("fixed")
            conv = k.startswith("conv")
            need(INT_TYPES if fixed else ("bits",))
            cout = p["out_channels"]
            kk = p["kernel"] if conv else 1
            wt = T("weights")
            want = (cout, C, kk, kk) if conv else (cout, C)
            if wt.shape != want:
                raise BsmError(f"{where}: weights '{wt.name}' have shape {list(wt.shape)}, expected {list(want)}")
            if fixed:
                _weights_ok(where, wt, p["wbits"])
            elif wt.dtype != "u1":
                raise BsmError(f"{where}: binary weights must be u1, got {wt.dtype}")
            bias = None
            if "bias" in p:
                bt = T("bias")
                if bt.dtype != "i32" or bt.shape != (cout,):
                    raise BsmError(f"{where}: bias must be i32 of shape [{cout}]")
                bias = bt.data.astype(np.int64)
            if conv:
                Ho, Wo = _out_hw(H, W, kk, p["stride"], p["pad"])
                if Ho < 1 or Wo < 1:
                    raise BsmError(f"{where}: kernel {kk} does not fit the {H}x{W} input")
            else:
                Ho, Wo = H, W
            # max|x| * sum|w| + |bias| <= 2^31 - 1 for every output channel
            l1 = np.abs(wt.data.astype(np.int64)).reshape(cout, -1).sum(axis=1)
            mx = TYPE_MAXABS[ins[0][0]]
            for o in range(cout):
                b = abs(int(bias[o])) if bias is not None else 0
                if mx * int(l1[o]) + b > I32_MAX:
                    raise BsmError(f"{where}: output channel {o} could overflow int32 "
                                   f"({mx}*{int(l1[o])} + {b} > 2^31-1)")
            res = ("i32", (cout, Ho, Wo))
        elif k == "batchnorm":
            need(INT_TYPES)
            mt, at, st = T("mul"), T("add"), T("shift")
            for t, dt in ((mt, "i32"), (at, "i64"), (st, "i8")):
                if t.dtype != dt or t.shape != (C,):
                    raise BsmError(f"{where}: '{t.name}' must be {dt} of shape [{C}], got {t.dtype} {list(t.shape)}")
            sh = st.data.astype(np.int64)
            if sh.min() < 0 or sh.max() > 62:
                raise BsmError(f"{where}: a shift lies outside 0..62")
            mx = TYPE_MAXABS[ins[0][0]]
            for c in range(C):
                s = int(sh[c])
                r = (1 << (s - 1)) if s > 0 else 0
                if mx * abs(int(mt.data[c])) + abs(int(at.data[c])) + r > I64_MAX:
                    raise BsmError(f"{where}: channel {c} could overflow int64")
            res = (f"i{p['out_bits']}", (C, H, W))
        elif k == "sign":
            need(INT_TYPES)
            res = ("bits", (C, H, W))
        elif k == "add":
            need(INT_TYPES, 0)
            need(INT_TYPES, 1)
            if ins[1][1] != (C, H, W):
                raise BsmError(f"{where}: inputs have shapes {list(ins[0][1])} and {list(ins[1][1])}")
            res = ("i32", (C, H, W))
        elif k == "avgpool":
            need(INT_TYPES)
            Ho, Wo = _out_hw(H, W, p["kernel"], p["stride"], 0)
            if Ho < 1 or Wo < 1:
                raise BsmError(f"{where}: pool kernel {p['kernel']} does not fit {H}x{W}")
            res = (t0, (C, Ho, Wo))
        elif k == "global_avgpool":
            need(INT_TYPES)
            res = (t0, (C, 1, 1))
        elif k == "concat":
            t1, (C1, H1, W1) = ins[1]
            if t1 != t0:
                raise BsmError(f"{where}: inputs have types {t0} and {t1}")
            if (H1, W1) != (H, W):
                raise BsmError(f"{where}: inputs have spatial sizes {H}x{W} and {H1}x{W1}")
            res = (t0, (C + C1, H, W))
        elif k == "transpose":
            res = (t0, (H * W, C, 1))
        else:  # pragma: no cover (bsm.read refuses unknown kinds)
            raise BsmError(f"{where}: unknown kind {k}")
        n = res[1][0] * res[1][1] * res[1][2]
        if n > MAX_ELEMENTS:
            raise BsmError(f"{where}: output has {n} elements (> 2^28)")
        info[l.name] = res
        out.append((l.name, res[0], res[1]))
    return out


# ----------------------------------------------------------------------------- running

def _i64(a):
    return torch.as_tensor(np.asarray(a, dtype=np.int64))


def round_shift(v, shift):
    """floor((v + 2^(s-1)) / 2^s), s = 0 -> v; v int64 (N,C,H,W), shift int64 (C,)."""
    s = shift.view(1, -1, 1, 1)
    r = torch.where(s > 0, torch.ones_like(s) << (s - 1).clamp(min=0), torch.zeros_like(s))
    return torch.div(v + r, torch.ones_like(s) << s, rounding_mode="floor")


def round_div(v, n):
    """floor((2v + n) / (2n)), n > 0."""
    return torch.div(2 * v + n, 2 * n, rounding_mode="floor")


def sat(v, bits, relu=False):
    lo = 0 if relu else -(1 << (bits - 1))
    return v.clamp(lo, (1 << (bits - 1)) - 1)


def _exact_conv(x, w, bias, stride, pad, where):
    """Integer convolution through float64: exact while every |partial sum| < 2^53."""
    xmax = int(x.abs().max()) if x.numel() else 0
    wl1 = int(w.abs().reshape(w.shape[0], -1).sum(1).max())
    bmax = int(bias.abs().max()) if bias is not None else 0
    if xmax * wl1 + bmax >= EXACT:
        raise AssertionError(f"{where}: |partial sums| may reach 2^53, float64 is not exact")
    y = F.conv2d(x.to(torch.float64), w.to(torch.float64), stride=stride, padding=pad)
    y = y.round().to(torch.int64)  # exact integers already; round() only guards the cast
    if bias is not None:
        y = y + bias.view(1, -1, 1, 1)
    return y


def run_all(model, images, checked=True):
    """Run the graph on uint8 images (N, C, H, W); returns {layer: int64 tensor}."""
    if checked:
        check(model)
    x = torch.as_tensor(np.asarray(images))
    if x.dtype != torch.uint8:
        raise BsmError(f"input must be uint8, got {x.dtype}")
    if x.dim() != 4 or tuple(x.shape[1:]) != tuple(model.input_shape):
        raise BsmError(f"input has shape {list(x.shape)}, model wants (N, {', '.join(map(str, model.input_shape))})")
    vals = {"input": x.to(torch.int64)}
    types = {"input": "u8"}
    for l in model.layers:
        p = l.params
        a = vals[l.inputs[0]]
        where = f"layer {l.name}"
        k = l.kind

        def W(key, p=p):
            return _i64(model.tensors[p[key]].data)
        t_in = types[l.inputs[0]]
        if k == "quantize_input":
            y, t = a - 128, "i8"
        elif k == "thermometer":
            B = p["levels"]
            L = torch.div(a * B + 128, 256, rounding_mode="floor")     # (x*B + 128) >> 8
            kk = torch.arange(B, dtype=torch.int64).view(1, 1, B, 1, 1)
            y = torch.where(kk < L.unsqueeze(2), 1, -1).to(torch.int64)
            y = y.reshape(a.shape[0], a.shape[1] * B, a.shape[2], a.shape[3])
            t = "bits"
        elif k in ("conv_fixed", "conv_binary"):
            w = W("weights")
            bias = W("bias") if "bias" in p else None
            y = _exact_conv(a, w, bias, p["stride"], p["pad"], where)
            t = "i32"
        elif k in ("fc_fixed", "fc_binary"):
            w = W("weights")
            bias = W("bias") if "bias" in p else None
            y = _exact_conv(a, w.view(w.shape[0], w.shape[1], 1, 1), bias, 1, 0, where)
            t = "i32"
        elif k == "batchnorm":
            mul, add, shift = W("mul"), W("add"), W("shift")
            v = a * mul.view(1, -1, 1, 1) + add.view(1, -1, 1, 1)
            y = sat(round_shift(v, shift), p["out_bits"], p.get("relu", False))
            t = f"i{p['out_bits']}"
        elif k == "sign":
            y, t = torch.where(a >= 0, 1, -1).to(torch.int64), "bits"
        elif k == "add":
            y, t = sat(a + vals[l.inputs[1]], 32), "i32"
        elif k == "avgpool":
            kk, s = p["kernel"], p["stride"]
            win = a.unfold(2, kk, s).unfold(3, kk, s)            # (N, C, Ho, Wo, k, k)
            y, t = round_div(win.sum(dim=(-1, -2)), kk * kk), t_in
        elif k == "global_avgpool":
            n = a.shape[2] * a.shape[3]
            y, t = round_div(a.sum(dim=(2, 3), keepdim=True), n), t_in
        elif k == "concat":
            y, t = torch.cat([a, vals[l.inputs[1]]], dim=1), t_in
        elif k == "transpose":
            N, C, H, Wd = a.shape
            y = a.reshape(N, C, H * Wd).permute(0, 2, 1).reshape(N, H * Wd, C, 1).contiguous()
            t = t_in
        else:
            raise BsmError(f"{where}: unknown kind {k}")
        # the values must be what the type says (a self-check of this oracle)
        if t in ("i4", "i8", "i16", "i32"):
            bits = int(t[1:])
            if y.numel() and (int(y.min()) < -(1 << (bits - 1)) or int(y.max()) >= (1 << (bits - 1))):
                raise AssertionError(f"{where}: value outside {t}")
        vals[l.name], types[l.name] = y, t
    return vals


def run(model, images, checked=True):
    """int64 logits (N, C*H*W of the last layer)."""
    vals = run_all(model, images, checked)
    y = vals[model.layers[-1].name]
    return y.reshape(y.shape[0], -1)


def run_batched(model, images, batch=50):
    check(model)
    outs = [run(model, images[i:i + batch], checked=False) for i in range(0, len(images), batch)]
    return torch.cat(outs, 0)
