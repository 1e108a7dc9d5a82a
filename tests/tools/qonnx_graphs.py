# SPDX-License-Identifier: GPL-3.0-or-later
"""QONNX graphs built in code with onnx.helper, the way Brevitas and FINN export them
(Quant/BipolarQuant nodes on weights and activations, float Conv/MatMul/BatchNorm/Add
between them). Brevitas is not installable here, so these stand in for its files.

Each builder returns (onnx ModelProto, input_scale): the graph input is the image as
(pixel - 128) * input_scale.
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

DOMAINS = ("onnx.brevitas", "finn.custom_op.general", "qonnx.custom_op.general")


class Builder:
    def __init__(self, seed, domain="qonnx.custom_op.general", in_shape=(3, 16, 16), in_scale=2.0 ** -7):
        self.rng = np.random.default_rng(seed)
        self.domain, self.in_shape, self.in_scale = domain, in_shape, in_scale
        self.nodes, self.inits, self.k = [], [], 0

    def name(self, what):
        self.k += 1
        return f"{what}_{self.k}"

    def const(self, value, what="c"):
        n = self.name(what)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), n))
        return n

    def shape(self, dims):
        n = self.name("shape")
        self.inits.append(numpy_helper.from_array(np.asarray(dims, dtype=np.int64), n))
        return n

    def node(self, op, inputs, domain="", what=None, **at):
        out = self.name(what or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, domain=domain, **at))
        return out

    # quantisers
    def quant(self, x, scale, bits=8, signed=1, narrow=0, mode="ROUND", zeropt=0.0, op="Quant"):
        return self.node(op, [x, self.const(scale, "scale"), self.const(zeropt, "zeropt"),
                              self.const(float(bits), "bitwidth")], self.domain, what="quant",
                         signed=signed, narrow=narrow, rounding_mode=mode)

    def bipolar(self, x, scale=1.0):
        return self.node("BipolarQuant", [x, self.const(scale, "scale")], self.domain, what="bipolar")

    def int_weights(self, shape, bits=8, per_channel_axis=0, pow2=False):
        w = self.rng.normal(0, 1.0 / np.sqrt(np.prod(shape[1:]) if per_channel_axis == 0 else shape[0]),
                            size=shape)
        qmax = 2 ** (bits - 1) - 1
        red = tuple(i for i in range(len(shape)) if i != per_channel_axis)
        s = np.abs(w).max(axis=red, keepdims=True) / qmax
        if pow2:
            s = np.full_like(s, 2.0 ** np.ceil(np.log2(np.abs(w).max() / qmax)))
        return self.quant(self.const(w, "w"), s.astype(np.float32), bits, narrow=1)

    def bin_weights(self, shape, per_channel_axis=0):
        w = self.rng.normal(0, 1, size=shape)
        red = tuple(i for i in range(len(shape)) if i != per_channel_axis)
        return self.bipolar(self.const(w, "w"), np.abs(w).mean(axis=red, keepdims=True).astype(np.float32))

    # float layers
    def conv(self, x, w, k, stride=1, pad=None, **extra):
        pad = k // 2 if pad is None else pad
        return self.node("Conv", [x, w], what="conv", kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pad] * 4, **extra)

    def bn(self, x, C):
        r = self.rng
        return self.node("BatchNormalization",
                         [x, self.const(r.uniform(0.5, 1.5, C), "gamma"), self.const(r.normal(0, 0.2, C), "beta"),
                          self.const(r.normal(0, 0.5, C), "mean"), self.const(r.uniform(0.5, 2.0, C), "var")],
                         what="bn", epsilon=1e-5)

    def affine(self, x, C, shape):
        """A folded BatchNorm as FINN streamlining leaves it: Mul and Add by constants."""
        m = self.node("Mul", [x, self.const(self.rng.uniform(0.5, 1.5, C).reshape(shape), "mul")], what="mul")
        return self.node("Add", [m, self.const(self.rng.normal(0, 0.2, C).reshape(shape), "bias")], what="add")

    def input_quant(self):
        return self.quant("image", self.in_scale, 8)

    def head(self, x, C, classes=10, act=2.0 ** -4):
        p = self.node("GlobalAveragePool", [x], what="gap")
        p = self.quant(p, act, 8)
        f = self.node("Flatten", [p], what="flatten", axis=1)
        w = self.int_weights((classes, C), 8, per_channel_axis=0)
        return self.node("Gemm", [f, w, self.const(self.rng.normal(0, 0.1, classes), "fcbias")],
                         what="fc", transB=1)

    def model(self, out):
        C, H, W = self.in_shape
        g = helper.make_graph(self.nodes, "qonnx-test",
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", C, H, W])],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                              initializer=self.inits)
        m = helper.make_model(g, producer_name="blendscope-tests",
                              opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(self.domain, 1)])
        return m


def stem(b, C, act=2.0 ** -4):
    x = b.input_quant()
    x = b.conv(x, b.int_weights((C, b.in_shape[0], 3, 3)), 3)
    return b.quant(b.bn(x, C), act, 8)


def blend_module(b, x, cin, cout, stride, act=2.0 ** -4):
    """main: sign -> binary 3x3 conv -> BN; skip: int8 1x1 conv -> BN; add -> BN -> Quant."""
    m = b.conv(b.bipolar(x), b.bin_weights((cout, cin, 3, 3)), 3, stride)
    m = b.bn(m, cout)
    s = b.conv(x, b.int_weights((cout, cin, 1, 1)), 1, stride, 0)
    s = b.bn(s, cout)
    return b.quant(b.bn(b.node("Add", [m, s], what="merge"), cout), act, 8)


def binary_resnet_block(b, x, C, act=2.0 ** -4):
    """x -> sign -> bconv -> BN -> sign -> bconv -> BN -> + x -> Quant."""
    m = b.bn(b.conv(b.bipolar(x), b.bin_weights((C, C, 3, 3)), 3), C)
    m = b.bn(b.conv(b.bipolar(m), b.bin_weights((C, C, 3, 3)), 3), C)
    return b.quant(b.node("Add", [m, x], what="residual"), act, 8)


def resnet_block_net(seed=1, domain="qonnx.custom_op.general"):
    b = Builder(seed, domain)
    x = stem(b, 8)
    x = binary_resnet_block(b, x, 8)
    return b.model(b.head(x, 8)), b.in_scale


def blend_net(seed=2, domain="qonnx.custom_op.general"):
    b = Builder(seed, domain)
    x = stem(b, 8)
    x = blend_module(b, x, 8, 8, 1)
    return b.model(b.head(x, 8)), b.in_scale


def blendnet20(seed=3, domain="qonnx.custom_op.general", widths=(8, 16, 32), blocks=6):
    """BlendNet-20's shape (DESIGN.md section 4) at a small width and 16x16 input."""
    b = Builder(seed, domain)
    x = stem(b, widths[0])
    cin = widths[0]
    for si, w in enumerate(widths):
        for bi in range(blocks):
            x = blend_module(b, x, cin, w, 2 if si > 0 and bi == 0 else 1)
            cin = w
    return b.model(b.head(x, cin)), b.in_scale


def mixer_block(seed=4, domain="qonnx.custom_op.general", D=16, patch=4):
    """Patch embedding -> one token-mixing and one channel-mixing Blend MLP (binary main
    path, int8 skip) -> pooled head. Tokens mix by MatMul(x, W) over the last axis,
    channels by MatMul(W, x) over axis 1; folded BatchNorms are Mul/Add constants."""
    b = Builder(seed, domain)
    C, H, W = b.in_shape
    T = (H // patch) * (W // patch)
    x = b.input_quant()
    x = b.conv(x, b.int_weights((D, C, patch, patch)), patch, patch, 0)
    x = b.quant(b.bn(x, D), 2.0 ** -4, 8)
    x = b.node("Reshape", [x, b.shape([0, D, T])], what="tokens")
    # token mixing: (N, D, T) x (T, 2T) -> (N, D, 2T)
    m = b.node("MatMul", [b.bipolar(x), b.bin_weights((T, 2 * T), per_channel_axis=1)], what="tok1")
    m = b.affine(m, 2 * T, (2 * T,))
    m = b.node("MatMul", [b.bipolar(m), b.bin_weights((2 * T, T), per_channel_axis=1)], what="tok2")
    m = b.affine(m, T, (T,))
    s = b.node("MatMul", [x, b.int_weights((T, T), 8, per_channel_axis=1)], what="tokskip")
    s = b.affine(s, T, (T,))
    x = b.quant(b.affine(b.node("Add", [m, s], what="tokmerge"), T, (T,)), 2.0 ** -4, 8)
    # channel mixing: (D', D) x (N, D, T) -> (N, D', T)
    m = b.node("MatMul", [b.bin_weights((2 * D, D)), b.bipolar(x)], what="ch1")
    m = b.bn(m, 2 * D)
    m = b.node("MatMul", [b.bin_weights((D, 2 * D)), b.bipolar(m)], what="ch2")
    m = b.bn(m, D)
    s = b.bn(b.node("MatMul", [b.int_weights((D, D), 8), x], what="chskip"), D)
    x = b.quant(b.bn(b.node("Add", [m, s], what="chmerge"), D), 2.0 ** -4, 8)
    x = b.node("Reshape", [x, b.shape([0, D, H // patch, W // patch])], what="grid")
    return b.model(b.head(x, D)), b.in_scale


def exact_net(seed=5, domain="qonnx.custom_op.general"):
    """Power-of-two scales, FLOOR rounding, bias-free head: every layer is bit-exact."""
    b = Builder(seed, domain)
    x = b.input_quant()
    x = b.conv(x, b.int_weights((8, 3, 3, 3), pow2=True), 3)
    x = b.quant(x, 2.0 ** -3, 8, mode="FLOOR")
    m = b.conv(b.bipolar(x), _pow2_bin(b, (8, 8, 3, 3)), 3)
    x = b.quant(b.node("Add", [m, x], what="residual"), 2.0 ** -2, 8, mode="FLOOR")
    p = b.quant(b.node("GlobalAveragePool", [x], what="gap"), 2.0 ** -4, 8, mode="FLOOR")
    f = b.node("Flatten", [p], what="flatten", axis=1)
    out = b.node("Gemm", [f, b.int_weights((10, 8), 8, pow2=True)], what="fc", transB=1)
    return b.model(out), b.in_scale


def _pow2_bin(b, shape):
    w = b.rng.normal(0, 1, size=shape)
    return b.bipolar(b.const(w, "w"), 2.0 ** -3)


def finn_net(seed=6, domain="finn.custom_op.general"):
    """FINN-style: a quantised average pool (AveragePool, Mul by the window, Trunc) and a
    MultiThreshold binary activation (out_scale 2, out_bias -1) before a binary conv."""
    b = Builder(seed, domain)
    x = stem(b, 8)
    p = b.node("AveragePool", [x], what="pool", kernel_shape=[2, 2], strides=[2, 2])
    p = b.node("Mul", [p, b.const(4.0, "window")], what="sum")
    p = b.node("Trunc", [p, b.const(2.0 ** -4, "scale"), b.const(0.0, "zeropt"), b.const(10.0, "inbw"),
                         b.const(8.0, "outbw")], domain, what="trunc", rounding_mode="FLOOR")
    t = b.const(b.rng.normal(0, 0.3, size=(8, 1)), "thresholds")
    a = b.node("MultiThreshold", [p, t], domain, what="thresh", out_scale=2.0, out_bias=-1.0)
    m = b.bn(b.conv(a, b.bin_weights((8, 8, 3, 3)), 3), 8)
    return b.model(b.head(b.quant(m, 2.0 ** -4, 8), 8)), b.in_scale


def trunc_v2_net(seed=8, domain="qonnx.custom_op.general"):
    """A quantised average pool as Brevitas exports it with Trunc version 2 (out_scale,
    signed/narrow clamp), then a binary layer."""
    b = Builder(seed, domain)
    x = stem(b, 8)
    p = b.node("AveragePool", [x], what="pool", kernel_shape=[2, 2], strides=[2, 2])
    p = b.node("Mul", [p, b.const(4.0, "window")], what="sum")
    p = b.node("Trunc", [p, b.const(2.0 ** -4, "scale"), b.const(0.0, "zeropt"), b.const(10.0, "inbw"),
                         b.const(2.0 ** -2, "outscale"), b.const(8.0, "outbw")], domain, what="trunc",
               rounding_mode="FLOOR", signed=1, narrow=0)
    m = b.bn(b.conv(b.bipolar(p), b.bin_weights((8, 8, 3, 3)), 3), 8)
    return b.model(b.head(b.quant(m, 2.0 ** -4, 8), 8)), b.in_scale


def downsample_net(seed=9, domain="qonnx.custom_op.general"):
    """A binary ResNet block that halves the resolution and doubles the width: the main
    path a stride-2 binary conv, the shortcut an average pool and a Concat of the pooled
    tensor with itself (resnet20-bnn's channel duplication)."""
    b = Builder(seed, domain)
    x = stem(b, 8)
    m = b.bn(b.conv(b.bipolar(x), b.bin_weights((16, 8, 3, 3)), 3, 2), 16)
    p = b.node("AveragePool", [x], what="pool", kernel_shape=[2, 2], strides=[2, 2])
    s = b.node("Concat", [p, p], what="dup", axis=1)
    y = b.quant(b.node("Add", [m, s], what="residual"), 2.0 ** -4, 8)
    return b.model(b.head(y, 16)), b.in_scale
