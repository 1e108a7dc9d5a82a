# SPDX-License-Identifier: GPL-3.0-or-later
"""How far the imported integer model is from the QONNX float semantics, measured on the
calibration images (docs/import.md section 3).

The integer model runs on blendtorch's exact integer oracle (intref); the float values
are the importer's float64 evaluation of the QONNX graph (Val.f). For every quantiser
output the deviation is counted in units of its scale (LSB; 0 means bit-exact), for
binary outputs in flipped signs, for the logits in absolute terms.
"""

import numpy as np


def _onnx_to_bsm(f, ca):
    """(N, *onnx shape) -> (N, C, positions) in .bsm order (channel axis first, the other
    axes flattened in their order, which is how the importer maps positions)."""
    return np.moveaxis(f, ca, 1).reshape(f.shape[0], f.shape[ca], -1)


BATCH = 16   # images per oracle run: intref keeps every layer's output of a batch


def measure(imp, calib_u8):
    """Per materialised layer: worst deviation and the share of differing elements; and
    the logits: worst absolute deviation and the reported bound. Needs PyTorch (intref);
    the model must have passed intref.check."""
    from . import intref   # PyTorch: only for measuring
    images = np.asarray(calib_u8, dtype=np.uint8)
    n = len(images)
    worst, differing = {}, {}
    logits = []
    for lo in range(0, n, BATCH):
        vals = intref.run_all(imp.model, images[lo:lo + BATCH], checked=False)
        for _, v in imp.checkpoints:
            err = _error(vals[v.layer], v, lo)
            worst[v.layer] = max(worst.get(v.layer, 0.0), float(err.max()) if err.size else 0.0)
            differing[v.layer] = differing.get(v.layer, 0) + int((err > 1e-6).sum())
        logits.append(vals[imp.model.layers[-1].name].numpy().reshape(len(images[lo:lo + BATCH]), -1))
    per_layer = {}
    for onnx_name, v in imp.checkpoints:
        size = v.f.size
        per_layer[v.layer] = {"onnx": onnx_name, "worst_lsb": worst[v.layer],
                              "differing": differing[v.layer] / size if size else 0.0,
                              "unit": "sign flips" if v.kind == "bits" else "LSB"}
    got = np.concatenate(logits).astype(np.float64) * imp.logit_scale
    ref = imp.logits_val.f.reshape(n, -1)
    worst_logit = float(np.abs(got - ref).max())
    agree = float((got.argmax(1) == ref.argmax(1)).mean())
    return per_layer, {"worst": worst_logit, "top1_agreement": agree,
                       "bound": logit_bound(imp, worst_logit, per_layer)}


def _error(layer_out, v, lo):
    """|integer value - QONNX float value| in units of the tensor's scale, for the images
    of one batch starting at `lo`."""
    got = layer_out.numpy().astype(np.float64)
    got = got.reshape(got.shape[0], got.shape[1], -1)
    want = _onnx_to_bsm(v.f[lo:lo + got.shape[0]], v.ca)
    if v.kind == "bits":
        return np.abs(got * v.a - want) / (2 * v.a)
    deq = got * v.m.reshape(1, -1, 1) + v.b.reshape(1, -1, 1)
    return np.abs(deq - want) / np.abs(v.m).reshape(1, -1, 1)


def logit_bound(imp, worst, per_layer):
    """The per-logit error bound the importer reports: the worst deviation measured on the
    calibration images, plus (if any layer is approximate) the effect of one more LSB on
    every input of the last linear layer, plus the rounding bound of the logits' own layer
    where they are rounded to one scale. A calibration-derived bound, not a proof (docs/import.md)."""
    exact = all(n["exact"] for n in imp.notes.values())
    bound = worst + imp.logit_round * imp.logit_scale
    if not exact:
        bound += _head_sensitivity(imp)
    return bound


def _head_sensitivity(imp):
    lin = [l for l in imp.model.layers if l.kind in ("fc_fixed", "fc_binary", "conv_fixed", "conv_binary")]
    if not lin:
        return 0.0
    last = lin[-1]
    w = imp.model.tensors[last.params["weights"]].data.astype(np.float64)
    l1 = np.abs(w).reshape(w.shape[0], -1).sum(axis=1)
    if imp.logits_val.layer != last.name:
        return 0.0              # the logits are not an affine image of this layer's accumulator
    m = imp.logits_val.m
    return float((l1 * np.abs(m)).max() * (2.0 if last.kind == "fc_binary" else 1.0))
