# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent numpy executor of QONNX float semantics: the oracle of test_qonnx_import.py.

Written from the op documentation (ONNX Operators.md; fastmachinelearning/qonnx
docs/qonnx-custom-ops: Quant/IntQuant, BipolarQuant, Trunc v1, and FINN's MultiThreshold),
sharing no code with tools/blendtorch/qonnx_*.py. Everything is float64.

    run(model_proto, x) -> the graph output for input batch x (N, C, H, W)
"""

import numpy as np
from onnx import helper, numpy_helper


def _attrs(node):
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def _round(x, mode):
    mode = mode.upper()
    if mode == "ROUND":
        return np.round(x)            # numpy rounds half to even, as the QONNX docs specify
    if mode == "FLOOR":
        return np.floor(x)
    if mode == "CEIL":
        return np.ceil(x)
    raise ValueError(f"rounding mode {mode}")


def quant(x, scale, zeropt, bitwidth, signed, narrow, mode):
    """IntQuant: y = (clamp(round(x / scale + zeropt)) - zeropt) * scale."""
    n = float(bitwidth)
    if signed:
        lo = -(2.0 ** (n - 1)) + (1 if narrow else 0)
        hi = 2.0 ** (n - 1) - 1
    else:
        lo = 0.0
        hi = 2.0 ** n - 1 - (1 if narrow else 0)
    q = np.clip(_round(x / scale + zeropt, mode), lo, hi)
    return (q - zeropt) * scale


def bipolar_quant(x, scale):
    return np.where(x >= 0, 1.0, -1.0) * scale


def trunc_v1(x, scale, zeropt, in_bw, out_bw, mode):
    y = np.round(x / scale + zeropt)
    y = _round(y / 2.0 ** (float(in_bw) - float(out_bw)), mode)
    return (y - zeropt) * scale


def trunc_v2(x, scale, zeropt, in_bw, out_scale, out_bw, signed, narrow, mode):
    """Version 2: the shift is log2(out_scale / scale) rounded, the result clamped to the
    output range before rounding, then scaled by out_scale."""
    y = np.round(x / scale + zeropt)
    t = 2.0 ** np.round(np.log2(out_scale / scale))
    y = y / t
    n = float(out_bw)
    lo = (-(2.0 ** (n - 1)) + (1 if narrow else 0)) if signed else 0.0
    hi = 2.0 ** (n - 1) - 1 if signed else 2.0 ** n - 1 - (1 if narrow else 0)
    y = _round(np.clip(y, lo, hi), mode)
    return (y - zeropt / t) * out_scale


def multithreshold(x, thresholds, out_scale, out_bias):
    """out[n, c, ...] = out_scale * #{i : x[n, c, ...] >= thresholds[c, i]} + out_bias."""
    t = thresholds if thresholds.shape[0] > 1 else np.broadcast_to(thresholds, (x.shape[1], thresholds.shape[1]))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    count = sum((x >= t[:, i].reshape(shape)).astype(np.float64) for i in range(t.shape[1]))
    return out_scale * count + out_bias


def conv2d(x, w, b, strides, pads, dilations, group):
    """Direct definition: y[n, o, i, j] = sum_c,u,v w[o, c, u, v] * xpad[n, c, i*s + u*d, j*s + v*d]."""
    if group != 1:
        raise ValueError("group")
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    top, left, bottom, right = pads
    xp = np.zeros((N, C, H + top + bottom, W + left + right))
    xp[:, :, top:top + H, left:left + W] = x
    dh, dw = dilations
    Ho = (xp.shape[2] - (dh * (kh - 1) + 1)) // strides[0] + 1
    Wo = (xp.shape[3] - (dw * (kw - 1) + 1)) // strides[1] + 1
    y = np.zeros((N, O, Ho, Wo))
    for u in range(kh):
        for v in range(kw):
            patch = xp[:, :, u * dh: u * dh + strides[0] * (Ho - 1) + 1: strides[0],
                       v * dw: v * dw + strides[1] * (Wo - 1) + 1: strides[1]]
            y += np.tensordot(patch, w[:, :, u, v], axes=([1], [1])).transpose(0, 3, 1, 2)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def avgpool(x, k, s):
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    y = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            y[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].mean(axis=(2, 3))
    return y


def run(model, x):
    g = model.graph
    env = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in g.initializer}
    inputs = [i.name for i in g.input if i.name not in env]
    env[inputs[0]] = np.asarray(x, dtype=np.float64)
    for node in g.node:
        ins = [env[n] if n else None for n in node.input]
        env[node.output[0]] = _node(node, ins, _attrs(node))
    return env[g.output[0].name]


def _node(node, ins, at):
    op = node.op_type
    if op in ("Quant", "IntQuant"):
        return quant(ins[0], ins[1], ins[2], ins[3], at.get("signed", 1), at.get("narrow", 0),
                     at.get("rounding_mode", "ROUND"))
    if op == "BipolarQuant":
        return bipolar_quant(ins[0], ins[1])
    if op == "Trunc" and len(ins) == 6:
        return trunc_v2(*ins, at.get("signed", 1), at.get("narrow", 0), at.get("rounding_mode", "FLOOR"))
    if op == "Trunc":
        return trunc_v1(*ins[:5], at.get("rounding_mode", "FLOOR"))
    if op == "MultiThreshold":
        return multithreshold(ins[0], ins[1], at.get("out_scale", 1.0), at.get("out_bias", 0.0))
    if op == "Conv":
        return conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, at.get("strides", [1, 1]),
                      at.get("pads", [0, 0, 0, 0]), at.get("dilations", [1, 1]), at.get("group", 1))
    if op == "BatchNormalization":
        x, g, b, mu, var = ins
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return (x - mu.reshape(shape)) / np.sqrt(var.reshape(shape) + at.get("epsilon", 1e-5)) \
            * g.reshape(shape) + b.reshape(shape)
    if op == "Add":
        return ins[0] + ins[1]
    if op == "Mul":
        return ins[0] * ins[1]
    if op == "Div":
        return ins[0] / ins[1]
    if op == "Relu":
        return np.maximum(ins[0], 0)
    if op == "MatMul":
        return np.matmul(ins[0], ins[1])
    if op == "Gemm":
        a = ins[0].T if at.get("transA", 0) else ins[0]
        b = ins[1].T if at.get("transB", 0) else ins[1]
        y = at.get("alpha", 1.0) * (a @ b)
        return y + at.get("beta", 1.0) * ins[2] if len(ins) > 2 and ins[2] is not None else y
    if op == "GlobalAveragePool":
        return ins[0].mean(axis=tuple(range(2, ins[0].ndim)), keepdims=True)
    if op == "AveragePool":
        return avgpool(ins[0], at["kernel_shape"][0], at.get("strides", at["kernel_shape"])[0])
    if op == "Flatten":
        a = at.get("axis", 1)
        return ins[0].reshape(int(np.prod(ins[0].shape[:a])), -1)
    if op == "Reshape":
        shape = [ins[0].shape[i] if v == 0 else int(v) for i, v in enumerate(ins[1].astype(np.int64))]
        return ins[0].reshape(shape)
    if op == "Transpose":
        return np.transpose(ins[0], at.get("perm"))
    if op == "Concat":
        return np.concatenate(ins, axis=at["axis"])
    if op in ("Identity", "Dropout"):
        return ins[0]
    raise ValueError(f"qonnx_exec: no {op}")
