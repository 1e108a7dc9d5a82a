# SPDX-License-Identifier: GPL-3.0-or-later
"""QONNX (Brevitas / FINN / qonnx) -> .bsm: the mapping onto blendscope's integer layers.

docs/import.md is the contract. In short: every float tensor of the QONNX graph is held
as the image of one integer .bsm layer output under a per-channel affine map,

    value = acc * m[c] + b[c]           (then max(0, .) if a Relu is pending)

and the float ops between two quantisers (Conv/MatMul accumulators, BatchNormalization,
Mul/Div/Add by constants, Relu) only change m and b. Quantisers (Quant/IntQuant, Trunc,
BipolarQuant, MultiThreshold) and the ops that need integers (Add of two tensors, pools,
the output) materialise a .bsm layer: a `batchnorm` whose (mul, add, shift) folds the
affine map, a `sign`, an `add`, a pool. Each such layer is *exact* (it computes the QONNX
value bit for bit for every possible input) or *approximate* with a stated bound; the
approximations are measured on calibration images afterwards (qonnx_deviation.py).

While mapping, every op is also evaluated in float64 on the calibration images (the
QONNX semantics, `Val.f`), which is what the deviations are measured against.
"""

import math
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from . import bsm, requant
from .qonnx_graph import QonnxError, attrs, check_domain, is_qonnx_op, refuse

TYPE_MAXABS = {"bits": 1, "i4": 8, "i8": 128, "i16": 1 << 15, "i32": 1 << 31}
ADD_RANGE_BITS = 30     # an add's inputs are rescaled so that their sum stays below 2^30
ROUNDING = {"ROUND": np.round, "FLOOR": np.floor, "CEIL": np.ceil}   # np.round: half to even


@dataclass
class Val:
    """One tensor of the QONNX graph. kind: 'aff' (integer layer + affine map), 'bits'
    (a +-1 layer times `a`), 'const' (an initializer), 'qconst' (a quantised initializer:
    integers q times scale qs), 'input' (the graph input before its quantiser)."""
    kind: str
    f: np.ndarray = None            # float values: (N, *onnx shape) for tensors, the value for consts
    ca: int = 1                     # the ONNX axis (batch included) that is the .bsm channel axis
    bshape: tuple = None            # the .bsm (C, H, W) of `layer`
    layer: str = None
    itype: str = None
    m: np.ndarray = None
    b: np.ndarray = None
    amax: np.ndarray = None         # per channel bound of |layer output|
    relu: bool = False
    a: float = None
    q: np.ndarray = None
    qs: np.ndarray = None
    qbits: int = None

    @property
    def grid(self):
        """The one scale of a tensor on an integer grid (value = integer * grid), else None."""
        if (self.kind == "aff" and not self.relu and not np.any(self.b)
                and np.all(self.m == self.m[0]) and self.m[0] > 0):
            return float(self.m[0])
        return None

    @property
    def scale(self):
        """The grid of a quantised activation a conv/FC can read (not an int32 accumulator)."""
        return self.grid if self.itype != "i32" else None


def _pow2_exponent(x):
    """k if x == 2^k exactly (k may be negative), else None."""
    m, e = np.frexp(x)
    return int(e - 1) if m == 0.5 else None


@dataclass
class Fold:
    layer: str
    exact: bool
    ties: bool
    err: float


class Importer:
    def __init__(self, graph, calib_u8, strict=False):
        self.g, self.strict = graph, strict
        self.model = bsm.Model(name="qonnx", input_shape=tuple(graph.input_shape))
        self.vals = {}
        self.notes = OrderedDict()        # bsm layer -> {exact, why, node, onnx, ...}
        self.checkpoints = []             # (onnx tensor, Val) whose deviation is measured
        self.input_scale = None
        x = np.asarray(calib_u8, dtype=np.int64)
        self.vals[graph.input_name] = Val("input", f=(x - 128).astype(np.float64),
                                          bshape=tuple(graph.input_shape))

    # ----------------------------------------------------------------- emitting layers
    def emit(self, node, kind, inputs, bshape, suffix="", **params):
        base = _layer_name(node, suffix)
        name, k = base, 2
        names = {l.name for l in self.model.layers}
        while name in names:
            name, k = f"{base}.{k}", k + 1
        tensors = {}
        for key in [p for p in params if isinstance(params[p], tuple)]:
            dtype, data = params[key]
            tensors[key] = self.model.add_tensor(f"{name}.{key}", dtype, data)
        params.update(tensors)
        self.model.layers.append(bsm.Layer(name, kind, list(inputs), "fixed", "main", None,
                                           OrderedDict(params)))
        self.notes[name] = {"node": node.name or node.output[0], "op": node.op_type,
                            "shape": [int(d) for d in bshape], "exact": True, "why": ""}
        return name

    def approximate(self, node, layer, why, bound):
        """Marks `layer` approximate; `bound` is its worst deviation from the QONNX value
        for exact inputs, in units of its output scale (LSB)."""
        if self.strict:
            raise refuse(node, f"{why} (--strict refuses approximations)")
        self.notes[layer].update(exact=False, why=why, bound_lsb=float(bound))

    def batchnorm(self, node, x, M, A, out_bits, relu=False, mode="ROUND", suffix=".bn"):
        """A batchnorm on x.layer computing rnd(acc*M + A) per channel, `mode` the rounding
        (half up for ROUND: the .bsm rule). Returns a Fold: exact says mul/2^shift and
        add/2^shift are M and A exactly; ties that with ROUND an exact tie can occur, where half
        up and QONNX's half to even differ; err bounds |acc*(M - mul/2^shift) + (A - add/2^shift)|
        over the input's range, in output units."""
        mx = TYPE_MAXABS[x.itype]
        C = len(M)
        mul, add, shift = np.zeros(C, np.int64), np.zeros(C, np.int64), np.zeros(C, np.int64)
        exact, ties, err = True, False, 0.0
        amax = x.amax if x.amax is not None else np.full(C, float(mx))
        for c in range(C):
            mi, ai, sh, clipped = requant.fold_channel(float(M[c]), float(A[c]), mx)
            if clipped:
                raise refuse(node, f"channel {c}: scale ratio {M[c]:.3g} exceeds the int32 multiplier")
            dm, da = abs(float(M[c]) * 2.0 ** sh - mi), abs(float(A[c]) * 2.0 ** sh - ai)
            exact &= dm == 0.0 and da == 0.0
            err = max(err, (dm * float(amax[c]) + da) / 2.0 ** sh)
            ties |= mode == "ROUND" and _ties_possible(mi, ai, sh)
            if sh > 0 and mode == "FLOOR":
                ai -= 1 << (sh - 1)
            elif sh > 0 and mode == "CEIL":
                ai += (1 << (sh - 1)) - 1
            if not requant.within_i64(mx, mi, ai, sh):
                raise refuse(node, f"channel {c}: cannot meet the int64 bound of the requantisation")
            mul[c], add[c], shift[c] = mi, ai, sh
        layer = self.emit(node, "batchnorm", [x.layer], x.bshape, suffix,
                          mul=("i32", mul), add=("i64", add), shift=("i8", shift),
                          out_bits=out_bits, relu=bool(relu))
        return Fold(layer, exact, ties, err)

    # ----------------------------------------------------------------- the walk
    def run(self):
        # readers left per tensor: a tensor's float calibration values are dropped after its
        # last reader (the quantiser outputs stay, in self.checkpoints, for the measurement)
        left = {t: len(c) for t, c in self.g.consumers.items()}
        for node in self.g.nodes:
            check_domain(node)
            handler = getattr(self, f"op_{node.op_type}", None)
            if handler is None:
                raise refuse(node, "unsupported op (docs/import.md lists the supported ones)")
            try:
                out = handler(node)
            except QonnxError:
                raise
            except (ValueError, IndexError, TypeError, ZeroDivisionError, OverflowError) as e:
                # numpy on shapes or values that contradict each other: a malformed graph
                raise refuse(node, f"inconsistent shapes or values ({str(e).splitlines()[0]})") from None
            self.vals[node.output[0]] = out
            ins = list(node.input)
            for t in set(ins):
                left[t] -= ins.count(t)
                if left[t] == 0 and t != self.g.output_name:
                    self.vals.pop(t, None)
        self.finish(self.vals[self.g.output_name])
        return self.model

    def val(self, node, i):
        if i >= len(node.input) or not node.input[i]:
            raise refuse(node, f"input {i} is missing")
        t = node.input[i]
        if t in self.vals:
            return self.vals[t]
        if t in self.g.consts:
            return Val("const", f=np.asarray(self.g.consts[t], dtype=np.float64))
        raise refuse(node, f"input '{t}' has no value")

    def const(self, node, i, what):
        v = self.val(node, i)
        if v.kind != "const":
            raise refuse(node, f"{what} must be a constant (an initializer)")
        return v.f

    def tensor(self, node, i=0):
        v = self.val(node, i)
        if v.kind not in ("aff", "bits"):
            raise refuse(node, f"input '{node.input[i]}' must be a quantised activation "
                               f"(is it read before its Quant?)")
        return v

    def per_channel(self, node, v, c, what):
        """A constant broadcast over v -> its (C,) vector along the channel axis."""
        c = np.asarray(c, dtype=np.float64)
        nd = v.f.ndim
        if c.ndim > nd:
            raise refuse(node, f"{what} has more dimensions than the tensor")
        full = np.broadcast_to(c.reshape((1,) * (nd - c.ndim) + c.shape), (1,) + v.f.shape[1:])
        vec = np.moveaxis(full[0], v.ca - 1, 0).reshape(full.shape[v.ca], -1)
        if not np.all(vec == vec[:, :1]):
            raise refuse(node, f"{what} varies along a non-channel axis (only per-tensor or "
                               f"per-channel constants fold into the integer semantics)")
        return vec[:, 0].copy()

    # ----------------------------------------------------------------- quantisers
    def quant_params(self, node):
        at = attrs(node)
        s = self.const(node, 1, "the scale")
        zp = self.const(node, 2, "the zero point")
        bw = self.const(node, 3, "the bit width")
        mode = str(at.get("rounding_mode", "ROUND")).upper()
        if np.any(zp != 0):
            raise refuse(node, "non-zero zero point (blendscope's integers are symmetric; a zero "
                               "point cannot feed a binary path or a fixed-point conv)")
        if bw.size != 1 or bw.item() != int(bw.item()) or not 2 <= bw.item() <= 16:
            raise refuse(node, f"bit width {bw.ravel()[:4]} (2 to 16 bits are mapped)")
        if mode not in ROUNDING:
            raise refuse(node, f"rounding_mode '{at.get('rounding_mode')}' (ROUND, FLOOR, CEIL are mapped)")
        if np.any(s <= 0):
            raise refuse(node, "a scale is not positive")
        bits = int(bw.item())
        lo, hi = _int_range(bits, int(at.get("signed", 1)), int(at.get("narrow", 0)))
        return s, bits, lo, hi, mode

    def op_Quant(self, node):
        if not is_qonnx_op(node, "Quant"):
            raise refuse(node, "Quant outside the QONNX domains")
        return self.quant(node)

    def op_IntQuant(self, node):
        if not is_qonnx_op(node, "IntQuant"):
            raise refuse(node, "IntQuant outside the QONNX domains")
        return self.quant(node)

    def quant(self, node):
        s, bits, lo, hi, mode = self.quant_params(node)
        x = self.val(node, 0)
        rnd = ROUNDING[mode]
        if x.kind == "const":
            q = np.clip(rnd(x.f / s), lo, hi)
            return Val("qconst", f=q * s, q=q.astype(np.int64), qs=np.asarray(s, np.float64), qbits=bits)
        if x.kind == "input":
            return self.input_quant(node, x, s, bits, lo, hi)
        if x.kind != "aff":
            raise refuse(node, "Quant of a binary tensor")
        if s.size != 1:
            raise refuse(node, "per-channel activation scale (one scale per activation tensor is mapped)")
        s = float(s.ravel()[0])
        ob = next((b for b in (4, 8, 16) if hi <= (1 << (b - 1)) - 1), None)
        if ob is None:
            raise refuse(node, f"unsigned {bits}-bit activations (up to 15 unsigned bits are mapped)")
        relu = x.relu or lo >= 0
        fold = self.batchnorm(node, x, x.m / s, x.b / s, ob, relu, mode)
        layer = fold.layer
        lo_b = 0 if relu else -(1 << (ob - 1))
        lo_q = max(lo, 0) if x.relu else lo
        flip = max(1.0, float(np.ceil(fold.err)))     # a rounding decision moved: whole LSBs
        if hi != (1 << (ob - 1)) - 1 or lo_q != lo_b:
            span = max(abs(lo_q - lo_b), abs(hi - ((1 << (ob - 1)) - 1)))
            self.approximate(node, layer, f"clamp range [{lo}, {hi}] is not i{ob}'s "
                                          f"[{lo_b}, {(1 << (ob - 1)) - 1}]: values beyond saturate elsewhere",
                             flip + span)
        elif not fold.exact:
            self.approximate(node, layer, f"scale ratio is not a dyadic number: mul/2^shift is off by "
                                          f"{fold.err:.2g} LSB at most, so 1 LSB off next to rounding "
                                          f"boundaries", flip)
        elif fold.ties:
            self.approximate(node, layer, "ROUND is half to even, blendscope rounds half up: "
                                          "1 LSB off at exact ties", 1.0)
        v = _relu(x.f) if x.relu else x.f
        out = Val("aff", f=np.clip(rnd(v / s), lo, hi) * s, ca=x.ca, bshape=x.bshape, layer=layer,
                  itype=f"i{ob}", m=np.full(len(x.m), s), b=np.zeros(len(x.m)),
                  amax=np.full(len(x.m), float(1 << (ob - 1))))
        self.checkpoints.append((node.output[0], out))
        return out

    def input_quant(self, node, x, s, bits, lo, hi):
        if s.size != 1 or bits != 8 or lo != -128 or hi != 127:
            raise refuse(node, "the graph input must be read by one signed 8-bit, non-narrow "
                               "Quant with one scale (blendscope's quantize_input: pixel - 128)")
        if len(self.g.consumers.get(self.g.input_name, [])) != 1:
            raise refuse(node, "the graph input is read by more than its quantiser")
        s = float(s.ravel()[0])
        self.input_scale = s
        layer = self.emit(node, "quantize_input", ["input"], x.bshape)
        C = x.bshape[0]
        return Val("aff", f=x.f * s, ca=1, bshape=x.bshape, layer=layer, itype="i8",
                   m=np.full(C, s), b=np.zeros(C), amax=np.full(C, 128.0))

    def op_BipolarQuant(self, node):
        if not is_qonnx_op(node, "BipolarQuant"):
            raise refuse(node, "BipolarQuant outside the QONNX domains")
        s = self.const(node, 1, "the scale")
        if np.any(s <= 0):
            raise refuse(node, "a scale is not positive")
        x = self.val(node, 0)
        if x.kind == "const":
            q = np.where(x.f >= 0, 1, -1).astype(np.int64)
            return Val("qconst", f=q * s, q=q, qs=np.asarray(s, np.float64), qbits=1)
        if x.kind != "aff":
            raise refuse(node, "BipolarQuant of a tensor that is not a quantised activation")
        if s.size != 1:
            raise refuse(node, "per-channel scale on binary activations (one scale is mapped)")
        return self.threshold(node, x, np.zeros(len(x.m)), float(s.ravel()[0]))

    def op_MultiThreshold(self, node):
        if not is_qonnx_op(node, "MultiThreshold"):
            raise refuse(node, "MultiThreshold outside the QONNX domains")
        at = attrs(node)
        x = self.tensor(node, 0)
        t = self.const(node, 1, "the thresholds")
        osc, obias = float(at.get("out_scale", 1.0)), float(at.get("out_bias", 0.0))
        if str(at.get("data_layout", "NCHW")) != "NCHW" and x.ca == 1:
            raise refuse(node, f"data_layout {at.get('data_layout')} (NCHW is mapped)")
        if t.ndim != 2 or t.shape[1] != 1:
            raise refuse(node, f"{t.shape[-1] if t.ndim == 2 else '?'} thresholds per channel: only "
                               f"one (a binary activation) is mapped")
        if osc <= 0 or obias != -osc / 2:
            raise refuse(node, f"out_scale {osc}, out_bias {obias}: only the bipolar output "
                               f"(out_bias = -out_scale/2, values +-out_scale/2) maps onto bits")
        if x.kind != "aff":
            raise refuse(node, "MultiThreshold of a binary tensor")
        C = len(x.m)
        if t.shape[0] not in (1, C):
            raise refuse(node, f"{t.shape[0]} threshold rows for {C} channels")
        return self.threshold(node, x, np.broadcast_to(t[:, 0], (C,)).astype(np.float64), osc / 2)

    def threshold(self, node, x, t, a):
        """value >= t[c] -> +a, else -a: an exact integer threshold on the accumulator."""
        v = _relu(x.f) if x.relu else x.f
        shape = [1] * v.ndim
        shape[x.ca] = -1
        f = np.where(v >= t.reshape(shape), a, -a)
        if x.grid is not None and not np.any(t):
            layer = self.emit(node, "sign", [x.layer], x.bshape, ".sign")
        else:
            mul, add = _threshold_bn(x, t)
            C = len(t)
            bn = self.emit(node, "batchnorm", [x.layer], x.bshape, ".bn", mul=("i32", mul),
                           add=("i64", add), shift=("i8", np.zeros(C, np.int64)), out_bits=32,
                           relu=False)
            layer = self.emit(node, "sign", [bn], x.bshape, ".sign")
        out = Val("bits", f=f, ca=x.ca, bshape=x.bshape, layer=layer, a=a)
        self.checkpoints.append((node.output[0], out))
        return out

    def op_Trunc(self, node):
        """Trunc version 1 (5 inputs): rnd(round(x/s) / 2^(in - out)) * s, no clamp.
        Version 2 (6 inputs, out_scale before out_bitwidth): the same with the shift
        t = round(log2(out_scale / s)), clamped to the signed/narrow out_bitwidth range,
        times out_scale."""
        if not is_qonnx_op(node, "Trunc"):
            raise refuse(node, "Trunc outside the QONNX domains")
        x = self.tensor(node, 0)
        s = self.const(node, 1, "the scale")
        zp = self.const(node, 2, "the zero point")
        at = attrs(node)
        mode = str(at.get("rounding_mode", "FLOOR")).upper()
        if np.any(zp != 0):
            raise refuse(node, "non-zero zero point")
        if mode not in ROUNDING:
            raise refuse(node, f"rounding_mode '{at.get('rounding_mode')}'")
        if s.size != 1 or x.grid is None or float(s.ravel()[0]) != x.grid:
            raise refuse(node, "Trunc of a tensor whose quantisation scale is not Trunc's scale")
        s = x.grid
        v2 = len(node.input) >= 6
        if v2:
            out_scale = float(self.const(node, 4, "out_scale").ravel()[0])
            sh = int(np.round(np.log2(out_scale / s)))
            lo, hi = _int_range(int(self.const(node, 5, "out_bitwidth").item()),
                                int(at.get("signed", 1)), int(at.get("narrow", 0)))
        else:
            out_scale = s
            sh = int(self.const(node, 3, "in_bitwidth").item()) - int(self.const(node, 4, "out_bitwidth").item())
            lo = hi = None
        if sh < 0 or sh > 30:
            raise refuse(node, f"truncation by {sh} bits (0..30 is mapped)")
        return self.truncate(node, x, s, sh, out_scale, lo, hi, mode)

    def truncate(self, node, x, s, sh, out_scale, lo, hi, mode):
        bound = (float(x.amax.max()) + (1 << sh)) / (1 << sh)
        if hi is None:
            ob = next(b for b in (4, 8, 16, 32) if bound <= (1 << (b - 1)) - 1 or b == 32)
        else:
            ob = next((b for b in (4, 8, 16) if hi <= (1 << (b - 1)) - 1), None)
            if ob is None:
                raise refuse(node, f"output range [{lo}, {hi}] is wider than 16 bits")
            bound = min(bound, float(1 << (ob - 1)))
        C = len(x.m)
        relu = lo is not None and lo >= 0
        add = {"FLOOR": -(1 << sh >> 1), "ROUND": 0, "CEIL": (1 << sh >> 1) - 1}[mode] if sh else 0
        layer = self.emit(node, "batchnorm", [x.layer], x.bshape, ".trunc", mul=("i32", np.ones(C, np.int64)),
                          add=("i64", np.full(C, add, np.int64)), shift=("i8", np.full(C, sh, np.int64)),
                          out_bits=ob, relu=relu)
        if hi is not None and (hi != (1 << (ob - 1)) - 1 or lo != (0 if relu else -(1 << (ob - 1)))):
            self.approximate(node, layer, f"clamp range [{lo}, {hi}] is not i{ob}'s",
                             1.0 + max(abs(lo - (0 if relu else -(1 << (ob - 1)))), abs(hi - ((1 << (ob - 1)) - 1))))
        elif mode == "ROUND" and sh > 0:
            self.approximate(node, layer, "ROUND is half to even, blendscope rounds half up: 1 LSB off at ties",
                             1.0)
        y = np.round(x.f / s) / (1 << sh)
        if hi is not None:
            y = np.clip(y, lo, hi)
        out = Val("aff", f=ROUNDING[mode](y) * out_scale, ca=x.ca, bshape=x.bshape, layer=layer,
                  itype=f"i{ob}", m=np.full(C, out_scale), b=np.zeros(C), amax=np.full(C, bound))
        self.checkpoints.append((node.output[0], out))
        return out

    # ----------------------------------------------------------------- linear layers
    def weights(self, node, i, out_axis):
        w = self.val(node, i)
        if w.kind != "qconst":
            raise refuse(node, "weights must be a Quant/IntQuant/BipolarQuant of an initializer "
                               "(unquantised float weights are not mapped)")
        s = np.broadcast_to(w.qs, w.q.shape)
        sw = np.moveaxis(s, out_axis, 0).reshape(s.shape[out_axis], -1)
        if not np.all(sw == sw[:, :1]):
            raise refuse(node, "weight scale varies within an output channel")
        return w, sw[:, 0].copy()

    def linear_input(self, node, x, binary_w):
        if x.kind == "bits":
            if not binary_w:
                raise refuse(node, "binary activations into fixed-point weights (blendscope's binary "
                                   "layers take bipolar weights)")
            return x.a
        if binary_w:
            raise refuse(node, "bipolar weights on fixed-point activations (binary layers read "
                               "BipolarQuant/MultiThreshold outputs)")
        if x.scale is None:
            raise refuse(node, "the input is not a quantised activation (put a Quant before it)")
        return x.scale

    def linear(self, node, kind, x, q, qbits, sw, bshape, **params):
        """A conv/FC layer with integer weights q (Cout, ...) of QONNX bit width qbits (1:
        bipolar). Returns (layer, accumulator scale per channel, accumulator bound)."""
        binary = qbits == 1
        s_in = self.linear_input(node, x, binary)
        if binary:
            params["weights"] = ("u1", q)
        else:
            params["wbits"] = _wbits(node, q, qbits)
            params["weights"] = ("i16" if params["wbits"] == 16 else "i8", q)
        in_max = TYPE_MAXABS["bits" if binary else x.itype]
        l1 = np.abs(q).reshape(q.shape[0], -1).sum(axis=1).astype(np.float64)
        if in_max * l1.max() > requant.I32_MAX:
            raise refuse(node, f"accumulator bound: max|x| * sum|w| exceeds 2^31 - 1 with "
                               f"{'bits' if binary else x.itype} inputs")
        layer = self.emit(node, kind, [x.layer], bshape, "", out_channels=q.shape[0], **params)
        return layer, s_in * sw, l1 * in_max

    def op_Conv(self, node):
        x = self.tensor(node, 0)
        w, sw = self.weights(node, 1, 0)
        at = attrs(node)
        if w.q.ndim != 4 or x.f.ndim != 4:
            raise refuse(node, "only 2-D convolutions are mapped")
        k = w.q.shape[2]
        if w.q.shape[3] != k or list(at.get("kernel_shape", [k, k])) != [k, k]:
            raise refuse(node, "non-square kernel")
        if int(at.get("group", 1)) != 1:
            raise refuse(node, f"groups = {at.get('group')} (grouped/depthwise convolutions are not mapped)")
        if any(d != 1 for d in at.get("dilations", [1, 1])):
            raise refuse(node, f"dilation {list(at.get('dilations'))} (only 1 is mapped)")
        if str(at.get("auto_pad", "NOTSET")) not in ("NOTSET", "VALID"):
            raise refuse(node, f"auto_pad {at.get('auto_pad')}")
        st = list(at.get("strides", [1, 1]))
        pads = list(at.get("pads", [0, 0, 0, 0]))
        if st[0] != st[1] or len(set(pads)) != 1:
            raise refuse(node, f"strides {st}, pads {pads}: equal strides and symmetric pads are mapped")
        stride, pad = int(st[0]), int(pads[0])
        if not (1 <= stride <= 8 and 1 <= k <= 15 and 0 <= pad < k):
            raise refuse(node, f"kernel {k}, stride {stride}, pad {pad} outside blendscope's ranges")
        if x.ca != 1 or w.q.shape[1] != x.f.shape[1]:
            raise refuse(node, "input channels do not match the weights")
        f = _conv(x.f, w.f, stride, pad)
        bias = np.zeros(w.q.shape[0])
        if len(node.input) > 2 and node.input[2]:
            bias = self.const(node, 2, "the bias").astype(np.float64).reshape(-1)
            f = f + bias.reshape(1, -1, 1, 1)
        bshape = (w.q.shape[0], f.shape[2], f.shape[3])
        layer, m, amax = self.linear(node, "conv_binary" if w.qbits == 1 else "conv_fixed", x, w.q, w.qbits,
                                     sw, bshape, kernel=k, stride=stride, pad=pad)
        return Val("aff", f=f, ca=1, bshape=bshape, layer=layer, itype="i32", m=m, b=bias, amax=amax)

    def op_MatMul(self, node):
        a, b = self.val(node, 0), self.val(node, 1)
        if b.kind == "qconst" and a.kind in ("aff", "bits"):
            w, sw = self.weights(node, 1, 1)
            return self.fc(node, a, w, w.q.T, w.f.T, sw, a.f.ndim - 1, 1.0, None)
        if a.kind == "qconst" and b.kind in ("aff", "bits"):
            w, sw = self.weights(node, 0, 0)
            return self.fc(node, b, w, w.q, w.f, sw, b.f.ndim - 2, 1.0, None)
        raise refuse(node, "one operand must be quantised weights, the other a quantised activation")

    def op_Gemm(self, node):
        at = attrs(node)
        if int(at.get("transA", 0)):
            raise refuse(node, "transA = 1")
        x = self.tensor(node, 0)
        tb = int(at.get("transB", 0))
        w, sw = self.weights(node, 1, 0 if tb else 1)
        q, wf = (w.q, w.f) if tb else (w.q.T, w.f.T)
        bias = None
        if len(node.input) > 2 and node.input[2]:
            bias = self.const(node, 2, "C") * float(at.get("beta", 1.0))
        return self.fc(node, x, w, q, wf, sw, x.f.ndim - 1, float(at.get("alpha", 1.0)), bias)

    def fc(self, node, x, w, q, wf, sw, axis, alpha, bias):
        """out[..., o at `axis`] = sum_c W[o, c] x[..., c at `axis`]: a .bsm FC over the channel axis."""
        if axis < 1:
            raise refuse(node, "contracts the batch axis")
        if axis != x.ca:
            x = self.transpose_layer(node, x, axis)
        if q.shape[1] != x.f.shape[axis]:
            raise refuse(node, f"weights for {q.shape[1]} inputs, the tensor has {x.f.shape[axis]}")
        f = np.moveaxis(np.moveaxis(x.f, axis, -1) @ wf.T, -1, axis) * alpha
        layer, m, amax = self.linear(node, "fc_binary" if w.qbits == 1 else "fc_fixed", x, q, w.qbits, sw,
                                     (q.shape[0],) + tuple(x.bshape[1:]))
        b = np.zeros(q.shape[0])
        if bias is not None:
            tmp = Val("aff", f=f, ca=axis)
            b = self.per_channel(node, tmp, bias, "the bias")
            shape = [1] * f.ndim
            shape[axis] = -1
            f = f + b.reshape(shape)
        return Val("aff", f=f, ca=axis, bshape=(q.shape[0],) + tuple(x.bshape[1:]), layer=layer,
                   itype="i32", m=m * alpha, b=b, amax=amax)

    def transpose_layer(self, node, x, axis):
        """A .bsm transpose: the only position axis of a rank-3 tensor becomes the channel axis."""
        if x.f.ndim != 3 or axis not in (1, 2):
            raise refuse(node, f"contracts axis {axis}, which is neither the channel axis nor the "
                               f"only position axis of a rank-3 tensor")
        if x.kind == "aff" and x.grid is None:
            raise refuse(node, "a transpose needs a quantised tensor (one scale for all channels)")
        C, H, W = x.bshape
        bshape = (H * W, C, 1)
        layer = self.emit(node, "transpose", [x.layer], bshape, ".transpose")
        if x.kind == "bits":
            return replace(x, ca=axis, bshape=bshape, layer=layer)
        # one grid for all channels: the positions that become channels share it
        return replace(x, ca=axis, bshape=bshape, layer=layer, m=np.full(H * W, x.grid),
                       b=np.zeros(H * W), amax=np.full(H * W, float(x.amax.max())))

    # ----------------------------------------------------------------- affine ops
    def op_BatchNormalization(self, node):
        x = self.tensor(node, 0)
        gamma, beta = self.const(node, 1, "scale"), self.const(node, 2, "B")
        mean, var = self.const(node, 3, "mean"), self.const(node, 4, "var")
        eps = float(attrs(node).get("epsilon", 1e-5))
        if x.kind != "aff" or x.relu:
            raise refuse(node, "BatchNormalization of a binary tensor or after a Relu")
        if x.ca != 1:
            raise refuse(node, "BatchNormalization over axis 1, which is not this tensor's channel axis")
        k = gamma / np.sqrt(var + eps)
        shape = [1] * x.f.ndim
        shape[1] = -1
        f = (x.f - mean.reshape(shape)) * k.reshape(shape) + beta.reshape(shape)
        return replace(x, f=f, m=x.m * k, b=(x.b - mean) * k + beta)

    def scale_by(self, node, inv):
        i = 0 if self.val(node, 0).kind in ("aff", "bits") else 1
        if inv and i != 0:
            raise refuse(node, "division by a tensor")
        x = self.tensor(node, i)
        c = self.const(node, 1 - i, "the factor")
        if inv and np.any(c == 0):
            raise refuse(node, "division by zero")
        vec = self.per_channel(node, x, c, "the factor")
        vec = 1.0 / vec if inv else vec
        f = x.f / c if inv else x.f * c
        if x.kind == "bits":
            if not np.all(vec == vec[0]) or vec[0] <= 0:
                raise refuse(node, "binary activations scaled per channel or by a negative factor")
            return replace(x, f=f, a=x.a * float(vec[0]))
        if x.relu and np.any(vec < 0):
            raise refuse(node, "a negative factor after a Relu")
        return replace(x, f=f, m=x.m * vec, b=x.b * vec)

    def op_Mul(self, node):
        return self.scale_by(node, False)

    def op_Div(self, node):
        return self.scale_by(node, True)

    def op_Relu(self, node):
        x = self.tensor(node, 0)
        if x.kind != "aff":
            raise refuse(node, "Relu of binary activations")
        return replace(x, f=_relu(x.f), relu=True)

    def op_Add(self, node):
        a, b = self.val(node, 0), self.val(node, 1)
        if a.kind == "const" or b.kind == "const":
            x, c = (b, a.f) if a.kind == "const" else (a, b.f)
            if x.kind != "aff" or x.relu:
                raise refuse(node, "adding a constant to binary activations or after a Relu")
            return replace(x, f=x.f + c, b=x.b + self.per_channel(node, x, c, "the addend"))
        return self.add_tensors(node, self.tensor(node, 0), self.tensor(node, 1))

    def add_tensors(self, node, a, b):
        for v in (a, b):
            if v.kind != "aff" or v.relu:
                raise refuse(node, "Add of binary activations or after a Relu (quantise first)")
        if a.f.shape != b.f.shape or a.ca != b.ca or a.bshape != b.bshape:
            raise refuse(node, f"Add of tensors shaped {a.f.shape[1:]} and {b.f.shape[1:]} "
                               f"(broadcasting is not mapped)")
        sa, sb = a.grid, b.grid
        if sa is not None and sa == sb:
            ins, s, amax = [a.layer, b.layer], sa, a.amax + b.amax
        else:
            s = self.add_scale(a, b)
            ins = [self.to_add_scale(node, v, s) for v in (a, b)]
            rng = sum(float(np.max(np.abs(v.m) * v.amax + np.abs(v.b))) for v in (a, b))
            amax = np.full(len(a.m), rng / s + 2.0)
        layer = self.emit(node, "add", ins, a.bshape, ".add")
        C = len(a.m)
        return Val("aff", f=a.f + b.f, ca=a.ca, bshape=a.bshape, layer=layer, itype="i32",
                   m=np.full(C, s), b=np.zeros(C), amax=amax)

    def add_scale(self, a, b):
        """One scale for both inputs of an add: fine enough that rounding to it costs < 2^-30
        of the range, and, where an input is a clean quantised tensor, a power-of-two
        fraction of its scale, so that that input is rescaled exactly."""
        rng = sum(float(np.max(np.abs(v.m) * v.amax + np.abs(v.b))) for v in (a, b)) or 1.0
        target = rng / (1 << ADD_RANGE_BITS)
        clean = [v.grid for v in (a, b) if v.grid is not None]
        if clean:
            s = min(clean)
            k = max(0, int(np.floor(np.log2(s / target))))
            return s / (1 << k)
        return target

    def to_add_scale(self, node, v, s):
        if v.grid is not None and _pow2_exponent(v.grid / s) is not None and v.grid >= s:
            k = _pow2_exponent(v.grid / s)
            if k == 0:
                return v.layer
            C = len(v.m)
            return self.emit(node, "batchnorm", [v.layer], v.bshape, ".rescale",
                             mul=("i32", np.full(C, 1 << k, np.int64)), add=("i64", np.zeros(C, np.int64)),
                             shift=("i8", np.zeros(C, np.int64)), out_bits=32, relu=False)
        fold = self.batchnorm(node, v, v.m / s, v.b / s, 32, suffix=".rescale")
        layer = fold.layer
        if not fold.exact or fold.ties:
            self.approximate(node, layer, f"input '{v.layer}' rounded to the add's scale {s:.3g} "
                                          f"(1/2 of it plus the multiplier's {fold.err:.2g}; the add's "
                                          f"range is 2^{ADD_RANGE_BITS} of it)", 0.5 + fold.err)
            C = len(v.m)
            self.checkpoints.append((node.input[0], replace(v, layer=layer, itype="i32", m=np.full(C, s),
                                                            b=np.zeros(C), relu=False)))
        return layer

    # ----------------------------------------------------------------- pooling
    def op_AveragePool(self, node):
        at = attrs(node)
        ks = list(at.get("kernel_shape", []))
        st = list(at.get("strides", ks))
        if len(ks) != 2 or ks[0] != ks[1] or st[0] != st[1]:
            raise refuse(node, f"kernel {ks}, strides {st}: square kernels and equal strides are mapped")
        if any(at.get("pads", [0])) or int(at.get("ceil_mode", 0)):
            raise refuse(node, "padded or ceil_mode pooling (blendscope pools without padding)")
        if str(at.get("auto_pad", "NOTSET")) not in ("NOTSET", "VALID"):
            raise refuse(node, f"auto_pad {at.get('auto_pad')}")
        return self.pool(node, int(ks[0]), int(st[0]))

    def op_GlobalAveragePool(self, node):
        return self.pool(node, None, None)

    def pool(self, node, k, s):
        x = self.tensor(node, 0)
        if x.kind != "aff" or x.relu or x.ca != 1 or x.f.ndim != 4:
            raise refuse(node, "pooling of binary activations, after a Relu or of a non-NCHW tensor")
        N, C, H, W = x.f.shape
        if k is None:
            n, f, bshape = H * W, x.f.mean(axis=(2, 3), keepdims=True), (C, 1, 1)
        else:
            if not (1 <= k <= 15 and 1 <= s <= 8 and k <= H and k <= W):
                raise refuse(node, f"pool kernel {k}, stride {s} outside blendscope's ranges")
            win = np.lib.stride_tricks.sliding_window_view(x.f, (k, k), axis=(2, 3))[:, :, ::s, ::s]
            n, f = k * k, win.mean(axis=(-1, -2))
            bshape = (C, f.shape[2], f.shape[3])
        src, m, exact = x.layer, x.m, False
        if x.itype != "i32":
            p = _pow2_exponent(float(n))
            bits = int(np.ceil(np.log2(float(x.amax.max()) + 1)))
            up = p if p is not None and p + bits <= 30 else max(0, 30 - bits)
            exact = p is not None and up == p
            src = self.emit(node, "batchnorm", [x.layer], x.bshape, ".widen",
                            mul=("i32", np.full(C, 1 << up, np.int64)), add=("i64", np.zeros(C, np.int64)),
                            shift=("i8", np.zeros(C, np.int64)), out_bits=32, relu=False)
            m = x.m / (1 << up)
        kind = "global_avgpool" if k is None else "avgpool"
        layer = self.emit(node, kind, [src], bshape, ".pool", **({} if k is None else {"kernel": k, "stride": s}))
        out = Val("aff", f=f, ca=1, bshape=bshape, layer=layer, itype="i32", m=m, b=x.b,
                  amax=x.amax * (1 if x.itype == "i32" else (1 << up)))
        if not exact:
            self.approximate(node, layer, f"the window sum / {n} is rounded to the tensor's integer "
                                          f"grid (at most 1/2 of its unit)", 0.5)
            self.checkpoints.append((node.output[0], out))
        return out

    # ----------------------------------------------------------------- shapes
    def op_Concat(self, node):
        axis = int(attrs(node).get("axis", 1))
        if len(node.input) != 2:
            raise refuse(node, f"{len(node.input)} inputs (two are mapped)")
        a, b = self.tensor(node, 0), self.tensor(node, 1)
        if axis < 0:
            axis += a.f.ndim
        if axis != a.ca or a.ca != b.ca or a.kind != b.kind:
            raise refuse(node, "Concat along a non-channel axis or of binary with fixed-point tensors")
        if a.kind == "bits" and a.a != b.a or a.kind == "aff" and (a.grid is None or a.grid != b.grid
                                                                    or a.itype != b.itype):
            raise refuse(node, "Concat of tensors with different scales or types")
        bshape = (a.bshape[0] + b.bshape[0],) + tuple(a.bshape[1:])
        layer = self.emit(node, "concat", [a.layer, b.layer], bshape, ".concat")
        f = np.concatenate([a.f, b.f], axis=axis)
        if a.kind == "bits":
            return replace(a, f=f, bshape=bshape, layer=layer)
        return replace(a, f=f, bshape=bshape, layer=layer, m=np.concatenate([a.m, b.m]),
                       b=np.concatenate([a.b, b.b]), amax=np.concatenate([a.amax, b.amax]))

    def reshaped(self, node, x, dims):
        """A view change: the channel axis must survive as one axis of the new shape."""
        C = x.bshape[0]
        if int(np.prod(dims)) != int(np.prod(x.f.shape[1:])):
            raise refuse(node, f"reshape to {dims} changes the element count")
        if x.ca == 1 and dims[0] == C:
            ca = 1
        elif x.bshape[1] * x.bshape[2] == 1 and C in dims:
            ca = 1 + list(dims).index(C)
        else:
            raise refuse(node, f"reshape of {list(x.f.shape[1:])} to {list(dims)} mixes channels and "
                               f"positions (blendscope's FC works per position; pool first)")
        return replace(x, f=x.f.reshape((x.f.shape[0],) + tuple(dims)), ca=ca)

    def op_Reshape(self, node):
        x = self.tensor(node, 0)
        shape = [int(v) for v in self.const(node, 1, "the shape")]
        dims = [x.f.shape[i] if v == 0 and i < x.f.ndim else v for i, v in enumerate(shape)][1:]
        if shape and shape[0] not in (-1, 0, 1, x.f.shape[0]):
            raise refuse(node, "reshape of the batch axis")
        if dims.count(-1) > 1:
            raise refuse(node, "more than one -1 in the shape")
        if -1 in dims:
            rest = int(np.prod([d for d in dims if d != -1]))
            dims[dims.index(-1)] = int(np.prod(x.f.shape[1:])) // max(rest, 1)
        return self.reshaped(node, x, dims)

    def op_Flatten(self, node):
        x = self.tensor(node, 0)
        axis = int(attrs(node).get("axis", 1))
        if axis != 1:
            raise refuse(node, f"axis {axis} (1 is mapped)")
        return self.reshaped(node, x, [int(np.prod(x.f.shape[1:]))])

    def op_Transpose(self, node):
        x = self.tensor(node, 0)
        perm = list(attrs(node).get("perm", range(x.f.ndim)[::-1]))
        if perm == list(range(x.f.ndim)):
            return x
        if x.f.ndim != 3 or perm != [0, 2, 1]:
            raise refuse(node, f"perm {perm} (identity and (0, 2, 1) of a rank-3 tensor are mapped)")
        return replace(x, f=np.swapaxes(x.f, 1, 2), ca=3 - x.ca)

    def op_Identity(self, node):
        return self.val(node, 0)

    def op_Dropout(self, node):
        return self.val(node, 0)

    # ----------------------------------------------------------------- the output
    def finish(self, out):
        if out.kind != "aff":
            raise QonnxError(f"graph output '{self.g.output_name}' is not a fixed-point tensor "
                             f"(binary logits are not mapped)")
        if out.bshape[1] * out.bshape[2] != 1:
            raise QonnxError(f"graph output '{self.g.output_name}' has shape {list(out.f.shape[1:])}: "
                             f"the logits must be one vector per image (pool and flatten first)")
        last = self.model.layers[-1].name
        node = _FakeNode(self.g.output_name, "output")
        if out.grid is not None:
            self.logit_scale, self.logit_exact, self.logit_round = float(out.m[0]), True, 0.0
            if out.layer != last:
                C = len(out.m)
                self.emit(node, "batchnorm", [out.layer], out.bshape, ".logits",
                          mul=("i32", np.ones(C, np.int64)), add=("i64", np.zeros(C, np.int64)),
                          shift=("i8", np.zeros(C, np.int64)), out_bits=32, relu=False)
        else:
            rng = float(np.max(np.abs(out.m) * out.amax + np.abs(out.b))) or 1.0
            s = rng / (1 << ADD_RANGE_BITS)
            fold = self.batchnorm(node, out, out.m / s, out.b / s, 32, out.relu, suffix=".logits")
            self.logit_scale, self.logit_exact = s, False
            self.logit_round = 0.5 + fold.err
            self.approximate(node, fold.layer, f"per-channel logit scales or biases rounded to one "
                                               f"logit scale {s:.3g} (1/2 of it plus the multiplier's "
                                               f"{fold.err:.2g})", self.logit_round)
        self.logits_val = out
        self.model.layers[-1].path = "head"


class _FakeNode:
    """Stands for the graph output where a refusal or a layer needs a node."""
    def __init__(self, name, op):
        self.name, self.op_type, self.output = name, op, [name]


def _wbits(node, q, qbits):
    """The .bsm wbits for QONNX weights of `qbits` bits: the smallest of 4/8/16 holding the
    declared width, wider where the values need it (-2^(b-1) of a non-narrow range)."""
    mx = int(np.abs(q).max()) if q.size else 0
    for b in (4, 8, 16):
        if b >= qbits and mx <= (1 << (b - 1)) - 1:
            return b
    raise refuse(node, f"{qbits}-bit weights up to {mx} in magnitude (16 bits are mapped)")


def _int_range(bits, signed, narrow):
    """The integer range of a QONNX quantiser (IntQuant, Trunc v2)."""
    if signed:
        return -(1 << (bits - 1)) + narrow, (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1 - narrow


def _ties_possible(mul, add, shift):
    """Is acc*mul + add = 2^(shift-1) (mod 2^shift) solvable in integers acc?"""
    if shift == 0:
        return False
    g = math.gcd(mul, 1 << shift)
    return ((1 << (shift - 1)) - add) % g == 0


def _relu(x):
    return np.maximum(x, 0.0)


def _layer_name(node, suffix):
    raw = (node.name or node.output[0]) + suffix
    name = "".join(ch if ch.isalnum() or ch in "_.+-:/@" else "_" for ch in raw)
    return "x" + name if name in ("", "input") else name


def _threshold_bn(x, t):
    """mul, add (shift 0) with acc*mul + add >= 0  <=>  value(acc) >= t, per channel."""
    C = len(t)
    mul, add = np.zeros(C, np.int64), np.zeros(C, np.int64)
    lim = float(1 << 40)
    for c in range(C):
        m, b = float(x.m[c]), float(x.b[c])
        if x.relu and t[c] <= 0:
            mul[c], add[c] = 0, 0                        # relu(v) >= t always
        elif m > 0:
            T = np.ceil(np.clip((t[c] - b) / m, -lim, lim))
            mul[c], add[c] = 1, -int(T)
        elif m < 0:
            T = np.floor(np.clip((t[c] - b) / m, -lim, lim))
            mul[c], add[c] = -1, int(T)
        else:
            mul[c], add[c] = 0, (0 if b >= t[c] else -1)
    return mul, add


def _conv(x, w, stride, pad):
    """Float conv2d (N, C, H, W) x (O, C, k, k), zero padding, float64."""
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwij,ocij->nohw", win, w, optimize=True)


def import_qonnx(path, out_path=None, calib_u8=None, *, strict=False, name=None, labels=None,
                 measure=True, graph=None):
    """QONNX file -> (bsm.Model, report dict); writes `out_path` if given. `graph` is the
    file already read by qonnx_graph.load. Raises QonnxError (a refusal or a malformed
    file) or bsm.BsmError (a model blendscope would refuse)."""
    from . import qonnx_deviation, qonnx_graph, qonnx_modules, intref
    g = graph if graph is not None else qonnx_graph.load(path)
    if calib_u8 is None:
        calib_u8 = random_images(64, g.input_shape, seed=1)
    imp = Importer(g, calib_u8, strict)
    model = imp.run()
    qonnx_modules.tag(model)
    model.name = name or _model_name(path)
    model.labels = list(labels) if labels else []
    model.description = f"imported from QONNX ({'exact' if _all_exact(imp) else 'approximated'})"
    model.provenance = OrderedDict([("generator", "tools/blendscope-import"),
                                    ("source", _basename(path)),
                                    ("input_scale", repr(imp.input_scale)),
                                    ("logit_scale", repr(imp.logit_scale))])
    intref.check(model)
    report = {"input_scale": imp.input_scale, "logit_scale": imp.logit_scale,
              "exact": _all_exact(imp), "layers": []}
    per_layer, logits = qonnx_deviation.measure(imp, calib_u8) if measure else ({}, None)
    for l in model.layers:
        n = imp.notes[l.name]
        row = {"layer": l.name, "kind": l.kind, "precision": l.precision, "path": l.path,
               "module": l.module, "node": n["node"], "op": n["op"], "shape": n["shape"],
               "exact": n["exact"]}
        if n["why"]:
            row["approximation"], row["bound_lsb"] = n["why"], n["bound_lsb"]
        if l.name in per_layer:
            row.update(per_layer[l.name])
        report["layers"].append(row)
    if logits is not None:
        report["logits"] = dict(logits, calibration_images=len(calib_u8))
    if out_path is not None:
        bsm.write(model, out_path)
    return model, report


def random_images(n, shape, seed):
    """Seeded smooth-ish uint8 images: a coarse random grid upsampled, plus noise."""
    rng = np.random.default_rng(seed)
    C, H, W = shape
    coarse = rng.uniform(0, 255, size=(n, C, (H + 3) // 4, (W + 3) // 4))
    img = np.repeat(np.repeat(coarse, 4, axis=2), 4, axis=3)[:, :, :H, :W]
    img = img + rng.normal(0, 24, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _all_exact(imp):
    return all(n["exact"] for n in imp.notes.values())


def _basename(path):
    import os
    return os.path.basename(str(path))


def _model_name(path):
    base = _basename(path)
    stem = base[:-5] if base.lower().endswith(".onnx") else base
    return "".join(ch if ch.isalnum() or ch in "_.+-" else "_" for ch in stem) or "qonnx"
