# SPDX-License-Identifier: GPL-3.0-or-later
"""The exporter: a float GraphNet (float weights + BatchNorm running statistics) and a batch
of calibration images -> a quantised integer .bsm model (docs/exporter.md has the rules).

    result = export(net, calib_images, "out.bsm")
    result.path, result.model (the bsm.Model written), result.report (scales, warnings)

Scales (real value = integer * scale) are the exporter's business, never in the file:
  - quantize_input: 1/128 (x - 128); thermometer, sign: +-1 (bits)
  - fixed conv/FC: per-output-channel symmetric weights, w_q = round(w / s_w[o]) with
    s_w[o] = max|w[o]| / (2^(wbits-1) - 1) (per tensor for the head FC, so that integer
    logits keep the order of the real ones); accumulator scale s_in * s_w[o]
  - binary conv/FC: bits sign(w) (bit 1 = -1), accumulator scale alpha[o] = mean|w[o]|
  - batchnorm with out_bits 4/8/16 (activations): s_out = calib(|y|) / (2^(b-1) - 1)
  - batchnorm with out_bits 32 feeding an add: the add's scale (shared by both inputs)
  - batchnorm with out_bits 32 feeding sign only: s_out = calib(|y|) / 2^20
  - add of two free int32 BNs: s = max(max|a|, max|b|, max|a+b|) / 2^20
"""

import math
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import torch

from . import bsm, intref, requant

I32_MAX = (1 << 31) - 1
I64_MAX = (1 << 63) - 1


@dataclass
class ExportResult:
    path: str
    model: bsm.Model
    report: dict = field(default_factory=dict)


_rint = requant.rint


class _Exporter:
    def __init__(self, net, stats, method, percentile, i32_bits, fine_bits):
        self.net, self.stats = net, stats
        self.method, self.percentile = method, percentile
        self.i32_bits, self.fine_bits = i32_bits, fine_bits
        self.nodes = OrderedDict((n.name, n) for n in net.nodes)
        self._scale, self._type, self._wq = {}, {"input": "u8"}, {}
        self._add_scale = {}
        self._busy = set()
        self.warnings = []

    # -- calibration statistics
    def calib(self, name):
        st = self.stats[name]
        v = st["pct"] if self.method == "percentile" else st["max"]
        return v if v > 0 else 1.0

    # -- types
    def type_of(self, name):
        if name in self._type:
            return self._type[name]
        n = self.nodes[name]
        k = n.kind
        if k == "quantize_input":
            t = "i8"
        elif k in ("thermometer", "sign"):
            t = "bits"
        elif k in ("conv_fixed", "conv_binary", "fc_fixed", "fc_binary", "add"):
            t = "i32"
        elif k == "batchnorm":
            t = f"i{n.attrs['out_bits']}"
        else:
            t = self.type_of(n.inputs[0])
        self._type[name] = t
        return t

    # -- scales: np.float64 array per channel, None for u8/bits
    def scale_of(self, name):
        if name in self._scale:
            return self._scale[name]
        if name == "input":
            return None
        n = self.nodes[name]
        k = n.kind
        if k == "quantize_input":
            s = np.full(self.net.input_shape[0], 1.0 / 128.0)
        elif k in ("thermometer", "sign"):
            s = None
        elif k in ("conv_fixed", "fc_fixed"):
            q, sw, b = self.quant_weights(n)
            s = self.uniform(n.inputs[0], n) * sw
        elif k in ("conv_binary", "fc_binary"):
            w = self.net.op(name).weight.detach().double()
            s = w.abs().reshape(w.shape[0], -1).mean(dim=1).numpy()
        elif k == "batchnorm":
            s = np.full(self.net.op(name).num_features, self.bn_out_scale(n))
        elif k == "add":
            C = len(self.scale_of_any(n.inputs[0]))
            s = np.full(C, self.add_scale(n))
        elif k in ("avgpool", "global_avgpool"):
            s = self.scale_of(n.inputs[0])
        elif k == "concat":
            a, b = self.scale_of(n.inputs[0]), self.scale_of(n.inputs[1])
            s = None if a is None else np.concatenate([a, b])
        elif k == "transpose":
            a = self.scale_of(n.inputs[0])
            if a is None:
                s = None
            else:
                u = self.uniform(n.inputs[0], n)
                s = np.full(int(self.stats[name]["shape"][0]), u)
        else:
            raise ValueError(f"{name}: unknown kind {k}")
        self._scale[name] = s
        return s

    def scale_of_any(self, name):
        s = self.scale_of(name)
        if s is None:
            raise ValueError(f"{name}: a binary or u8 tensor where an integer one is needed")
        return s

    def uniform(self, name, user):
        s = self.scale_of_any(name)
        if not np.all(s == s[0]):
            raise ValueError(f"{user.name}: input '{name}' has per-channel scales; "
                             f"{user.kind} needs one scale (put a batchnorm before it)")
        return float(s[0])

    def bn_out_scale(self, n):
        bits = n.attrs["out_bits"]
        if bits < 32:
            return self.calib(n.name) / ((1 << (bits - 1)) - 1)
        adds = [c for c in self.net.consumers(n.name) if c.kind == "add"]
        if adds:
            scales = {self.add_scale(a) for a in adds}
            if len(scales) != 1:
                raise ValueError(f"{n.name}: feeds adds with different scales")
            return scales.pop()
        return self.stats[n.name]["max"] / (1 << self.fine_bits) or 1.0

    def _free(self, name, add):
        """A BN whose int32 output only feeds adds: its scale is the add's to choose."""
        n = self.nodes.get(name)
        return (n is not None and n.kind == "batchnorm" and n.attrs["out_bits"] == 32
                and all(c.kind == "add" for c in self.net.consumers(name)))

    def add_scale(self, a):
        if a.name in self._add_scale:
            return self._add_scale[a.name]
        if a.name in self._busy:
            raise ValueError(f"{a.name}: the scale of this add depends on itself (a batchnorm "
                             f"feeding it is also read by other layers)")
        self._busy.add(a.name)
        fixed = [i for i in a.inputs if not self._free(i, a)]
        if fixed:
            vals = {self.uniform(i, a) for i in fixed}
            if len(vals) != 1:
                raise ValueError(f"{a.name}: inputs {fixed} have different scales {sorted(vals)}; "
                                 f"an add needs both inputs in the same scale")
            s = vals.pop()
        else:
            m = max([self.stats[i]["max"] for i in a.inputs] + [self.stats[a.name]["max"]])
            s = (m or 1.0) / (1 << self.i32_bits)
        self._add_scale[a.name] = s
        return s

    # -- fixed-point weights
    def quant_weights(self, n):
        if n.name in self._wq:
            return self._wq[n.name]
        op = self.net.op(n.name)
        w = op.weight.detach().double().numpy()
        cout = w.shape[0]
        wf = w.reshape(cout, -1)
        bias = op.bias.detach().double().numpy() if getattr(op, "bias", None) is not None else None
        qmax = (1 << (n.attrs["wbits"] - 1)) - 1
        if n.attrs.get("per_tensor"):
            sw = np.full(cout, np.abs(wf).max() / qmax)
        else:
            sw = np.abs(wf).max(axis=1) / qmax
        sw[sw == 0] = 1.0
        s_in = self.uniform(n.inputs[0], n)
        mx = intref.TYPE_MAXABS[self.type_of(n.inputs[0])]
        reduced = 0
        for _ in range(200):
            q = np.clip(_rint(wf / sw[:, None]), -qmax, qmax).astype(np.int64)
            b = None
            if bias is not None:
                b = np.clip(_rint(bias / (s_in * sw)), -I32_MAX, I32_MAX).astype(np.int64)
            bound = mx * np.abs(q).sum(axis=1) + (np.abs(b) if b is not None else 0)
            bad = bound > I32_MAX
            if not bad.any():
                break
            # the int32 accumulator bound of the spec: coarser weights for these channels
            reduced = max(reduced, int(bad.sum()))
            f = np.where(bad, np.maximum(bound / I32_MAX, 1.0) * 1.0001, 1.0)
            if n.attrs.get("per_tensor"):
                f = np.full(cout, f.max())
            sw = sw * f
        else:  # pragma: no cover
            raise ValueError(f"{n.name}: cannot fit the int32 accumulator bound")
        if reduced:
            eff = math.log2(max(1, int(np.abs(q).max())) + 1) + 1
            self.warnings.append(
                f"{n.name}: {reduced} output channel(s) quantised more coarsely than wbits="
                f"{n.attrs['wbits']} (max |w| now {int(np.abs(q).max())}, ~{eff:.1f} bits) to keep "
                f"max|x| * sum|w| + |bias| <= 2^31 - 1 with {self.type_of(n.inputs[0])} inputs")
        res = (q.reshape(w.shape), sw, b)
        self._wq[n.name] = res
        return res

    # -- batchnorm -> (mul, add, shift)
    def fold_bn(self, n):
        bn = self.net.op(n.name)
        s_in = self.scale_of_any(n.inputs[0])
        s_out = self.bn_out_scale(n)
        mu = bn.running_mean.detach().double().numpy()
        var = bn.running_var.detach().double().numpy()
        gamma = bn.weight.detach().double().numpy() if bn.affine else np.ones_like(mu)
        beta = bn.bias.detach().double().numpy() if bn.affine else np.zeros_like(mu)
        sigma = np.sqrt(var + bn.eps)
        M = gamma * s_in / (sigma * s_out)
        A = (beta - gamma * mu / sigma) / s_out
        mx = intref.TYPE_MAXABS[self.type_of(n.inputs[0])]
        C = len(mu)
        mul = np.zeros(C, np.int64)
        add = np.zeros(C, np.int64)
        shift = np.zeros(C, np.int64)
        for c in range(C):
            mi, ai, sh, clipped = requant.fold_channel(float(M[c]), float(A[c]), mx)
            if clipped:
                self.warnings.append(f"{n.name}: channel {c}: multiplier {M[c]:.3g} clipped to int32")
            if not requant.within_i64(mx, mi, ai, sh):
                raise ValueError(f"{n.name}: channel {c}: cannot meet the int64 bound")
            mul[c], add[c], shift[c] = mi, ai, sh
        return mul, add, shift, s_out

    # -- the model
    def build(self, name, description, labels, provenance):
        net = self.net
        m = bsm.Model(name=name, input_shape=tuple(net.input_shape), labels=list(labels),
                      description=description, provenance=OrderedDict(provenance))
        used = OrderedDict()
        for nd in net.nodes:
            if nd.module is not None:
                used[nd.module] = net.module_kinds[nd.module]
        m.modules = used
        layers = []
        for nd in net.nodes:
            p = OrderedDict()
            k = nd.kind
            if k == "thermometer":
                p["levels"] = nd.attrs["levels"]
            elif k in ("conv_fixed", "fc_fixed"):
                q, sw, b = self.quant_weights(nd)
                p["out_channels"] = q.shape[0]
                if k == "conv_fixed":
                    p.update(kernel=nd.attrs["kernel"], stride=nd.attrs["stride"], pad=nd.attrs["pad"])
                p["wbits"] = nd.attrs["wbits"]
                p["weights"] = m.add_tensor(f"{nd.name}.weight", "i16" if nd.attrs["wbits"] == 16 else "i8", q)
                if b is not None:
                    p["bias"] = m.add_tensor(f"{nd.name}.bias", "i32", b)
            elif k in ("conv_binary", "fc_binary"):
                w = net.op(nd.name).weight.detach()
                bits = torch.where(w >= 0, 1, -1).to(torch.int8).numpy()
                p["out_channels"] = w.shape[0]
                if k == "conv_binary":
                    p.update(kernel=nd.attrs["kernel"], stride=nd.attrs["stride"], pad=nd.attrs["pad"])
                p["weights"] = m.add_tensor(f"{nd.name}.weight", "u1", bits)
            elif k == "batchnorm":
                mul, add, shift, _ = self.fold_bn(nd)
                p["mul"] = m.add_tensor(f"{nd.name}.mul", "i32", mul)
                p["add"] = m.add_tensor(f"{nd.name}.add", "i64", add)
                p["shift"] = m.add_tensor(f"{nd.name}.shift", "i8", shift)
                p["out_bits"] = nd.attrs["out_bits"]
                p["relu"] = bool(nd.attrs.get("relu", False))
            elif k == "avgpool":
                p.update(kernel=nd.attrs["kernel"], stride=nd.attrs["stride"])
            elif k == "add":
                for i in nd.inputs:
                    self.scale_of_any(i)
                    sa = self.scale_of(i)
                    if not np.allclose(sa, self.add_scale(nd), rtol=0, atol=0):
                        raise ValueError(f"{nd.name}: input {i} is not in the add's scale")
            # scales of everything (for the report, and to raise scale errors early)
            self.scale_of(nd.name)
            layers.append(bsm.Layer(nd.name, k, list(nd.inputs), nd.precision, nd.path,
                                    nd.module, p))
        m.layers = layers
        return m


def collect_stats(net, images, percentile=None, batch=64):
    """Float forward over the calibration images: per node max|y|, the output shape and,
    if asked, a percentile of |y| (over at most 2^18 evenly strided samples per batch)."""
    acc = {}
    net.eval()
    with torch.no_grad():
        for i in range(0, len(images), batch):
            chunk = torch.as_tensor(np.asarray(images[i:i + batch]))

            def post(node, y):
                a = y.detach().abs().float()
                st = acc.setdefault(node.name, {"max": 0.0, "samples": [], "shape": tuple(y.shape[1:])})
                st["max"] = max(st["max"], float(a.max()))
                if percentile is not None:
                    flat = a.reshape(-1)
                    step = max(1, flat.numel() >> 18)
                    st["samples"].append(flat[::step].numpy().copy())

            net.run_nodes(chunk, post=post)
    stats = {}
    for k, st in acc.items():
        stats[k] = {"max": st["max"], "shape": st["shape"]}
        if percentile is not None:
            stats[k]["pct"] = float(np.percentile(np.concatenate(st["samples"]), percentile))
    return stats


def export(net, calib_images, path=None, *, name=None, description=None, labels=None,
           provenance=None, method="max", percentile=99.99, i32_bits=20, fine_bits=20,
           record_logit_scale=True):
    """Quantise `net` with `calib_images` (uint8 (N, C, H, W)) and write `path` (if given).

    record_logit_scale: write the real value of one logit unit into the provenance key
    "logit_scale" (the app's softmax confidence needs it; docs/exporter.md).

    method: 'max' (activation scale from max|y|) or 'percentile' (from the given
    percentile of |y|; values beyond saturate). Returns ExportResult."""
    calib_images = np.asarray(calib_images)
    if calib_images.dtype != np.uint8 or calib_images.ndim != 4 or \
            tuple(calib_images.shape[1:]) != tuple(net.input_shape):
        raise ValueError(f"calibration images must be uint8 (N, {', '.join(map(str, net.input_shape))}), "
                         f"got {calib_images.dtype} {calib_images.shape}")
    if method not in ("max", "percentile"):
        raise ValueError("method must be 'max' or 'percentile'")
    stats = collect_stats(net, calib_images, percentile if method == "percentile" else None)
    ex = _Exporter(net, stats, method, percentile, i32_bits, fine_bits)
    prov = OrderedDict(provenance or {})
    prov.setdefault("generator", "tools/blendtorch/export.py")
    if getattr(net, "arch", None):
        prov.setdefault("arch", net.arch)
        for k, v in sorted(net.options.items()):
            prov.setdefault(f"opt_{k}", ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
    prov.setdefault("calibration", f"{method}{'' if method == 'max' else ' ' + str(percentile)}, "
                                   f"{len(calib_images)} images")
    model = ex.build(name or net.net_name, description if description is not None else net.description,
                     labels if labels is not None else net.labels, prov)
    if record_logit_scale:
        scale = ex.scale_of(net.nodes[-1].name)
        # One scale for every logit (the head FC's weights are quantised per tensor); a
        # per-channel one would not rank real logits like integer ones: not recorded.
        if scale is not None and np.all(scale == scale[0]):
            model.provenance.setdefault("logit_scale", repr(float(scale[0])))
    intref.check(model)
    report = {
        "warnings": ex.warnings,
        "scales": {k: (None if v is None else (float(v[0]) if np.all(v == v[0]) else v.tolist()))
                   for k, v in ex._scale.items()},
        "stats": stats,
    }
    if path is not None:
        path = bsm.write(model, path)
    return ExportResult(path, model, report)


def float_logits(net, images, batch=100):
    net.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            outs.append(net(torch.as_tensor(np.asarray(images[i:i + batch]))).double())
    return torch.cat(outs, 0)
