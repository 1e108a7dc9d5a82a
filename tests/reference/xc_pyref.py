# SPDX-License-Identifier: GPL-3.0-or-later
"""A second, scalar implementation of the integer semantics of docs/model-format.md
(sections 4 and 5), in plain Python integers and loops, written to check the PyTorch
oracle (tools/blendtorch/intref.py) on small graphs. Slow on purpose: no vectorisation,
no float, no shared code with intref.
"""


def floor_div(a, b):
    return a // b  # Python's // is floor division for ints


def round_shift(v, s):
    return v if s == 0 else floor_div(v + (1 << (s - 1)), 1 << s)


def round_div(v, n):
    return floor_div(2 * v + n, 2 * n)


def sat(v, bits, relu=False):
    lo = 0 if relu else -(1 << (bits - 1))
    hi = (1 << (bits - 1)) - 1
    return lo if v < lo else hi if v > hi else v


def _zeros(C, H, W):
    return [[[0] * W for _ in range(H)] for _ in range(C)]


def _shape(x):
    return len(x), len(x[0]), len(x[0][0])


def _conv(x, w, bias, k, stride, pad):
    # w: nested list [o][c][dy][dx]
    C, H, W = _shape(x)
    Cout = len(w)
    Ho, Wo = (H + 2 * pad - k) // stride + 1, (W + 2 * pad - k) // stride + 1
    y = _zeros(Cout, Ho, Wo)
    for o in range(Cout):
        for yy in range(Ho):
            for xx in range(Wo):
                acc = bias[o] if bias is not None else 0
                for c in range(C):
                    for dy in range(k):
                        iy = yy * stride + dy - pad
                        if iy < 0 or iy >= H:
                            continue
                        for dx in range(k):
                            ix = xx * stride + dx - pad
                            if ix < 0 or ix >= W:
                                continue
                            acc += w[o][c][dy][dx] * x[c][iy][ix]
                y[o][yy][xx] = acc
    return y


def _fc(x, w, bias):
    C, H, W = _shape(x)
    y = _zeros(len(w), H, W)
    for o in range(len(w)):
        for h in range(H):
            for ww in range(W):
                acc = bias[o] if bias is not None else 0
                for c in range(C):
                    acc += w[o][c] * x[c][h][ww]
                y[o][h][ww] = acc
    return y


def run_image(model, img):
    """img: nested lists or an array (C, H, W) of 0..255. Returns the flattened output
    of the last layer as a list of Python ints."""
    x0 = [[[int(v) for v in row] for row in ch] for ch in img]
    vals = {"input": x0}
    T = lambda name: model.tensors[name].data.tolist()  # noqa: E731
    for l in model.layers:
        p = l.params
        a = vals[l.inputs[0]]
        k = l.kind
        if k == "quantize_input":
            y = [[[v - 128 for v in row] for row in ch] for ch in a]
        elif k == "thermometer":
            B = p["levels"]
            C, H, W = _shape(a)
            y = _zeros(C * B, H, W)
            for c in range(C):
                for h in range(H):
                    for w in range(W):
                        L = (a[c][h][w] * B + 128) >> 8
                        for kk in range(B):
                            y[c * B + kk][h][w] = 1 if kk < L else -1
        elif k in ("conv_fixed", "conv_binary"):
            y = _conv(a, T(p["weights"]), T(p["bias"]) if "bias" in p else None,
                      p["kernel"], p["stride"], p["pad"])
        elif k in ("fc_fixed", "fc_binary"):
            y = _fc(a, T(p["weights"]), T(p["bias"]) if "bias" in p else None)
        elif k == "batchnorm":
            mul, add, sh = T(p["mul"]), T(p["add"]), T(p["shift"])
            relu = p.get("relu", False)
            y = [[[sat(round_shift(v * mul[c] + add[c], sh[c]), p["out_bits"], relu) for v in row]
                  for row in ch] for c, ch in enumerate(a)]
        elif k == "sign":
            y = [[[1 if v >= 0 else -1 for v in row] for row in ch] for ch in a]
        elif k == "add":
            b = vals[l.inputs[1]]
            y = [[[sat(u + v, 32) for u, v in zip(r1, r2)] for r1, r2 in zip(c1, c2)]
                 for c1, c2 in zip(a, b)]
        elif k == "avgpool":
            kk, s = p["kernel"], p["stride"]
            C, H, W = _shape(a)
            Ho, Wo = (H - kk) // s + 1, (W - kk) // s + 1
            y = _zeros(C, Ho, Wo)
            for c in range(C):
                for yy in range(Ho):
                    for xx in range(Wo):
                        tot = sum(a[c][yy * s + dy][xx * s + dx] for dy in range(kk) for dx in range(kk))
                        y[c][yy][xx] = round_div(tot, kk * kk)
        elif k == "global_avgpool":
            C, H, W = _shape(a)
            y = [[[round_div(sum(sum(row) for row in ch), H * W)]] for ch in a]
        elif k == "concat":
            y = [ch for ch in a] + [ch for ch in vals[l.inputs[1]]]
        elif k == "transpose":
            C, H, W = _shape(a)
            y = _zeros(H * W, C, 1)
            for c in range(C):
                for h in range(H):
                    for w in range(W):
                        y[h * W + w][c][0] = a[c][h][w]
        else:
            raise ValueError(k)
        vals[l.name] = y
    out = vals[model.layers[-1].name]
    return [v for ch in out for row in ch for v in row]
