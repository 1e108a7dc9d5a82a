# SPDX-License-Identifier: GPL-3.0-or-later
"""Float PyTorch models of the reference architectures (DESIGN.md section 4).

Every model is a `GraphNet`: an ordered list of nodes that maps one to one onto the
layers of a .bsm file (same names, kinds, inputs, paths and modules), each node with
its float operation. The nodes that hold parameters are registered as submodules
under their dotted names, so a state_dict key is `<layer name>.<parameter>`
(`stage1.0.main.conv.weight`, `stage1.0.main.bn.running_mean`, `head.fc.bias`).

Float semantics, node by node (the exporter quantises exactly this):
  quantize_input   (x - 128) / 128                   on the 0..255 image
  thermometer      +1 iff k < (x*B + 128) >> 8, else -1 (exact, as in the file)
  conv_fixed       nn.Conv2d                          (float weights, optional bias)
  conv_binary      conv with sign(w) * alpha, alpha = mean|w| per output channel
                   (XNOR-Net), zero padding, on +-1 inputs
  fc_fixed         per-position nn.Linear             (weight (Cout, Cin))
  fc_binary        per-position linear with sign(w) * alpha
  batchnorm        nn.BatchNorm2d (running statistics in eval mode), optional ReLU
  sign             +1 iff x >= 0 (straight-through gradient for training)
  add, avgpool, global_avgpool, concat, transpose: as in docs/model-format.md

Architectures: blendnet20, resnet20-bnn, resnet20-int8, blendmixer (see `build()`).
"""

import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CIFAR10_LABELS = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                  "horse", "ship", "truck"]

BINARY_KINDS = ("thermometer", "conv_binary", "fc_binary", "sign")


# ----------------------------------------------------------------------------- ops

class _SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


def sign(x):
    return _SignSTE.apply(x)


def binarize(w):
    """sign(w) * alpha, alpha = mean|w| per output channel; sign(0) = +1.
    Forward value exact; gradient straight through to w."""
    alpha = w.abs().reshape(w.shape[0], -1).mean(dim=1)
    wb = torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
    wb = wb * alpha.view(-1, *([1] * (w.dim() - 1)))
    return w + (wb - w).detach()


class BinaryConv2d(nn.Module):
    def __init__(self, cin, cout, kernel, stride=1, padding=0):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin, kernel, kernel))
        self.stride, self.padding = stride, padding
        nn.init.normal_(self.weight, 0.0, 1.0 / math.sqrt(cin * kernel * kernel))

    def forward(self, x):
        return F.conv2d(x, binarize(self.weight), stride=self.stride, padding=self.padding)


class PointwiseLinear(nn.Module):
    """nn.Linear applied at every position (h, w): weight (Cout, Cin)."""

    def __init__(self, cin, cout, bias=False, binary=False):
        super().__init__()
        self.binary = binary
        self.weight = nn.Parameter(torch.empty(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        nn.init.normal_(self.weight, 0.0, 1.0 / math.sqrt(cin))

    def forward(self, x):
        w = binarize(self.weight) if self.binary else self.weight
        return F.conv2d(x, w[:, :, None, None], self.bias)


class Node:
    __slots__ = ("name", "kind", "inputs", "path", "module", "precision", "attrs", "has_op")

    def __init__(self, name, kind, inputs, path, module, precision, attrs, has_op):
        self.name, self.kind, self.inputs, self.path = name, kind, list(inputs), path
        self.module, self.precision, self.attrs, self.has_op = module, precision, attrs, has_op

    def __repr__(self):
        return f"Node({self.name}: {self.kind} <- {','.join(self.inputs)})"


class GraphNet(nn.Module):
    """A float network as an ordered graph of .bsm-shaped nodes."""

    def __init__(self, name, input_shape, labels=None, description="", arch=None, options=None):
        super().__init__()
        self.net_name = name
        self.input_shape = tuple(input_shape)
        self.labels = list(labels) if labels is not None else list(CIFAR10_LABELS)
        self.description = description
        self.arch = arch
        self.options = dict(options or {})
        self.nodes = []
        self.module_kinds = OrderedDict()
        self._names = {"input"}

    # -- building
    def group(self, name, kind):
        self.module_kinds[name] = kind
        return name

    def node(self, name, kind, inputs, path, module=None, op=None, precision=None, **attrs):
        if name in self._names:
            raise ValueError(f"node {name} defined twice")
        for i in inputs:
            if i not in self._names:
                raise ValueError(f"node {name}: unknown input {i}")
        if precision is None:
            precision = "binary" if kind in BINARY_KINDS else "fixed"
        if op is not None:
            parent = self
            parts = name.split(".")
            for part in parts[:-1]:
                if part not in parent._modules:
                    parent.add_module(part, nn.Module())
                parent = parent._modules[part]
            parent.add_module(parts[-1], op)
        self.nodes.append(Node(name, kind, inputs, path, module, precision, attrs, op is not None))
        self._names.add(name)
        return name

    def op(self, name):
        return self.get_submodule(name)

    def node_by_name(self, name):
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def consumers(self, name):
        return [n for n in self.nodes if name in n.inputs]

    # -- running
    def run_nodes(self, x, pre=None, post=None, keep=False):
        """Evaluate the graph on images (N, C, H, W) valued 0..255 (any dtype).
        pre(node, [inputs]) runs before a node, post(node, output) after it.
        Returns the dict of kept outputs (all if keep, else only the last)."""
        dtype = next((p.dtype for p in self.parameters()), torch.float32)
        vals = {"input": torch.as_tensor(x).to(dtype)}
        last_use = {}
        for i, n in enumerate(self.nodes):
            for a in n.inputs:
                last_use[a] = i
        for i, n in enumerate(self.nodes):
            ins = [vals[a] for a in n.inputs]
            if pre is not None:
                pre(n, ins)
            y = self._eval(n, ins)
            if post is not None:
                post(n, y)
            vals[n.name] = y
            if not keep:
                for a in set(n.inputs):
                    if last_use.get(a) == i:
                        del vals[a]
        return vals

    def _eval(self, n, ins):
        a = ins[0]
        k = n.kind
        if k == "quantize_input":
            return (a - 128.0) / 128.0
        if k == "thermometer":
            B = n.attrs["levels"]
            L = torch.floor((a * B + 128.0) / 256.0)
            kk = torch.arange(B, dtype=a.dtype).view(1, 1, B, 1, 1)
            y = torch.where(kk < L.unsqueeze(2), 1.0, -1.0).to(a.dtype)
            return y.reshape(a.shape[0], a.shape[1] * B, a.shape[2], a.shape[3])
        if k in ("conv_fixed", "conv_binary", "fc_fixed", "fc_binary"):
            return self.op(n.name)(a)
        if k == "batchnorm":
            y = self.op(n.name)(a)
            return F.relu(y) if n.attrs.get("relu") else y
        if k == "sign":
            return sign(a)
        if k == "add":
            return a + ins[1]
        if k == "avgpool":
            return F.avg_pool2d(a, n.attrs["kernel"], n.attrs["stride"])
        if k == "global_avgpool":
            return a.mean(dim=(2, 3), keepdim=True)
        if k == "concat":
            return torch.cat([a, ins[1]], dim=1)
        if k == "transpose":
            N, C, H, W = a.shape
            return a.reshape(N, C, H * W).permute(0, 2, 1).reshape(N, H * W, C, 1)
        raise ValueError(f"unknown kind {k}")

    def forward(self, x):
        y = self.run_nodes(x)[self.nodes[-1].name]
        return y.reshape(y.shape[0], -1)


# ----------------------------------------------------------------------------- building blocks

def _bn(net, name, inputs, path, module, channels, out_bits, relu=False):
    return net.node(name, "batchnorm", inputs, path, module, op=nn.BatchNorm2d(channels),
                    out_bits=out_bits, relu=relu)


def _stem(net, cin, width, act_bits, thermometer=False, levels=32, stem_bits=8, relu=False,
          kernel=3, stride=1, pad=1):
    if thermometer:
        x = net.node("stem.thermo", "thermometer", ["input"], "stem", levels=levels)
        x = net.node("stem.conv", "conv_binary", [x], "stem",
                     op=BinaryConv2d(cin * levels, width, kernel, stride, pad),
                     kernel=kernel, stride=stride, pad=pad)
    else:
        x = net.node("stem.quant", "quantize_input", ["input"], "stem")
        x = net.node("stem.conv", "conv_fixed", [x], "stem",
                     op=nn.Conv2d(cin, width, kernel, stride, pad, bias=False),
                     kernel=kernel, stride=stride, pad=pad, wbits=stem_bits)
    return _bn(net, "stem.bn", [x], "stem", None, width, act_bits, relu)


def _head(net, x, channels, num_classes, head_bits=8):
    x = net.node("head.pool", "global_avgpool", [x], "head")
    return net.node("head.fc", "fc_fixed", [x], "head",
                    op=PointwiseLinear(channels, num_classes, bias=True),
                    wbits=head_bits, per_tensor=True)


def _stages(widths, blocks):
    """(stage index, block index, cin, cout, stride) for ResNet-style stages."""
    out, cin = [], None
    for s, w in enumerate(widths):
        for b in range(blocks):
            stride = 2 if (s > 0 and b == 0) else 1
            out.append((s + 1, b, cin if cin is not None else w, w, stride))
            cin = w
    return out


def _blend_module(net, m, x, cin, cout, stride, skip_kernel, skip_bits, act_bits, kind="blend",
                  skip_relu=False):
    net.group(m, kind)
    s = net.node(f"{m}.sign", "sign", [x], "main", m)
    c = net.node(f"{m}.main.conv", "conv_binary", [s], "main", m,
                 op=BinaryConv2d(cin, cout, 3, stride, 1), kernel=3, stride=stride, pad=1)
    a = _bn(net, f"{m}.main.bn", [c], "main", m, cout, 32)
    pad = skip_kernel // 2
    k = net.node(f"{m}.skip.conv", "conv_fixed", [x], "skip", m,
                 op=nn.Conv2d(cin, cout, skip_kernel, stride, pad, bias=False),
                 kernel=skip_kernel, stride=stride, pad=pad, wbits=skip_bits)
    b = _bn(net, f"{m}.skip.bn", [k], "skip", m, cout, 32, relu=skip_relu)
    y = net.node(f"{m}.add", "add", [a, b], "merge", m)
    return _bn(net, f"{m}.bn", [y], "merge", m, cout, act_bits)


# ----------------------------------------------------------------------------- architectures

def blendnet20(widths=(16, 32, 64), blocks=6, skip_kernel=1, skip_bits=8, act_bits=8,
               thermometer=False, levels=32, input_size=32, in_channels=3,
               num_classes=10, stem_bits=8, head_bits=8, skip_relu=False, name=None):
    """BlendNet-20: fixed 3x3 stem (or FracBNN thermometer + binary 3x3 stem), 3 stages of
    `blocks` Blend modules (main: sign -> binary 3x3 conv -> BN; skip: fixed kxk conv ->
    BN; merge: add -> BN), global average pool, fixed FC. skip_relu: a ReLU after the skip
    BN (the merge stays signed, for the next module's sign): without it the skip path is
    linear and the sign is the network's only non-linearity (Fashion-MNIST, 20 000 images,
    3 epochs: 76.4 % float top-1 without, 80.9 % with; docs/training.md)."""
    opts = dict(widths=list(widths), blocks=blocks, skip_kernel=skip_kernel, skip_bits=skip_bits,
                act_bits=act_bits, thermometer=thermometer, levels=levels, input_size=input_size,
                in_channels=in_channels, num_classes=num_classes)
    if skip_relu:
        opts["skip_relu"] = True
    if skip_kernel not in (1, 3):
        raise ValueError("skip_kernel must be 1 or 3")
    nb = len(widths) * blocks
    desc = (f"BlendNet-{nb + 2}: {'thermometer/binary' if thermometer else 'fixed-point'} stem, "
            f"{nb} Blend modules (binary 3x3 main, int{skip_bits} {skip_kernel}x{skip_kernel} skip), "
            f"int{act_bits} activations")
    net = GraphNet(name or ("blendnet20-thermo" if thermometer else "blendnet20"),
                   (in_channels, input_size, input_size), description=desc,
                   arch="blendnet20", options=opts)
    x = _stem(net, in_channels, widths[0], act_bits, thermometer, levels, stem_bits)
    for s, b, cin, cout, stride in _stages(widths, blocks):
        x = _blend_module(net, f"stage{s}.{b}", x, cin, cout, stride, skip_kernel, skip_bits, act_bits,
                          skip_relu=skip_relu)
    _head(net, x, widths[-1], num_classes, head_bits)
    return net


def _shortcut(net, m, x, cin, cout, stride):
    if stride == 1 and cin == cout:
        return x
    if cout != 2 * cin or stride != 2:
        raise ValueError(f"{m}: the avgpool + duplication shortcut needs stride 2 and cout = 2*cin")
    p = net.node(f"{m}.skip.pool", "avgpool", [x], "skip", m, kernel=2, stride=2)
    return net.node(f"{m}.skip.dup", "concat", [p, p], "skip", m)


def resnet20_bnn(widths=(16, 32, 64), blocks=3, act_bits=8, thermometer=False, levels=32,
                 input_size=32, in_channels=3, num_classes=10, stem_bits=8, head_bits=8, name=None):
    """All-binary ResNet-20 baseline: fixed 3x3 stem; basic blocks x -> sign -> bconv3x3 -> BN
    -> sign -> bconv3x3 -> BN -> + shortcut -> BN; shortcut identity or avgpool 2x2/2 +
    concat(x, x); global average pool + fixed FC."""
    opts = dict(widths=list(widths), blocks=blocks, act_bits=act_bits, thermometer=thermometer,
                levels=levels, input_size=input_size, in_channels=in_channels, num_classes=num_classes)
    nb = len(widths) * blocks
    net = GraphNet(name or "resnet20-bnn", (in_channels, input_size, input_size),
                   description=f"ResNet-{2 * nb + 2}, all-binary 3x3 convolutions, identity / "
                               f"avgpool+duplication shortcuts, int{act_bits} block outputs",
                   arch="resnet20-bnn", options=opts)
    x = _stem(net, in_channels, widths[0], act_bits, thermometer, levels, stem_bits)
    for s, b, cin, cout, stride in _stages(widths, blocks):
        m = net.group(f"stage{s}.{b}", "residual")
        h = net.node(f"{m}.sign1", "sign", [x], "main", m)
        h = net.node(f"{m}.conv1", "conv_binary", [h], "main", m,
                     op=BinaryConv2d(cin, cout, 3, stride, 1), kernel=3, stride=stride, pad=1)
        h = _bn(net, f"{m}.bn1", [h], "main", m, cout, 32)
        h = net.node(f"{m}.sign2", "sign", [h], "main", m)
        h = net.node(f"{m}.conv2", "conv_binary", [h], "main", m,
                     op=BinaryConv2d(cout, cout, 3, 1, 1), kernel=3, stride=1, pad=1)
        h = _bn(net, f"{m}.bn2", [h], "main", m, cout, 32)
        sc = _shortcut(net, m, x, cin, cout, stride)
        y = net.node(f"{m}.add", "add", [h, sc], "merge", m)
        x = _bn(net, f"{m}.bn", [y], "merge", m, cout, act_bits)
    _head(net, x, widths[-1], num_classes, head_bits)
    return net


def resnet20_int8(widths=(16, 32, 64), blocks=3, wbits=8, act_bits=8, input_size=32,
                  in_channels=3, num_classes=10, head_bits=8, name=None):
    """All-fixed-point ResNet-20 baseline: fixed 3x3 stem + BN + ReLU; basic blocks
    conv3x3 -> BN+ReLU -> conv3x3 -> BN -> + shortcut -> BN+ReLU (same avgpool +
    duplication shortcut); global average pool + fixed FC."""
    opts = dict(widths=list(widths), blocks=blocks, wbits=wbits, act_bits=act_bits,
                input_size=input_size, in_channels=in_channels, num_classes=num_classes)
    nb = len(widths) * blocks
    net = GraphNet(name or "resnet20-int8", (in_channels, input_size, input_size),
                   description=f"ResNet-{2 * nb + 2}, int{wbits} weights, int{act_bits} activations",
                   arch="resnet20-int8", options=opts)
    x = _stem(net, in_channels, widths[0], act_bits, relu=True, stem_bits=wbits)
    for s, b, cin, cout, stride in _stages(widths, blocks):
        m = net.group(f"stage{s}.{b}", "residual")
        h = net.node(f"{m}.conv1", "conv_fixed", [x], "main", m,
                     op=nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                     kernel=3, stride=stride, pad=1, wbits=wbits)
        h = _bn(net, f"{m}.bn1", [h], "main", m, cout, act_bits, relu=True)
        h = net.node(f"{m}.conv2", "conv_fixed", [h], "main", m,
                     op=nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
                     kernel=3, stride=1, pad=1, wbits=wbits)
        h = _bn(net, f"{m}.bn2", [h], "main", m, cout, 32)
        sc = _shortcut(net, m, x, cin, cout, stride)
        y = net.node(f"{m}.add", "add", [h, sc], "merge", m)
        x = _bn(net, f"{m}.bn", [y], "merge", m, cout, act_bits, relu=True)
    _head(net, x, widths[-1], num_classes, head_bits)
    return net


def _mixer_mlp(net, m, x, cin, hidden, skip_bits, act_bits):
    """One Blend module over the channels of x (per position):
    main sign -> bFC cin->hidden -> BN -> sign -> bFC hidden->cin -> BN; skip fixed FC -> BN;
    merge add -> BN."""
    h = net.node(f"{m}.sign1", "sign", [x], "main", m)
    h = net.node(f"{m}.fc1", "fc_binary", [h], "main", m, op=PointwiseLinear(cin, hidden, binary=True))
    h = _bn(net, f"{m}.bn1", [h], "main", m, hidden, 32)
    h = net.node(f"{m}.sign2", "sign", [h], "main", m)
    h = net.node(f"{m}.fc2", "fc_binary", [h], "main", m, op=PointwiseLinear(hidden, cin, binary=True))
    h = _bn(net, f"{m}.bn2", [h], "main", m, cin, 32)
    k = net.node(f"{m}.skip.fc", "fc_fixed", [x], "skip", m, op=PointwiseLinear(cin, cin),
                 wbits=skip_bits)
    k = _bn(net, f"{m}.skip.bn", [k], "skip", m, cin, 32)
    y = net.node(f"{m}.add", "add", [h, k], "merge", m)
    return _bn(net, f"{m}.bn", [y], "merge", m, cin, act_bits)


def blendmixer(dim=64, layers=4, patch=4, token_hidden=None, channel_hidden=None, skip_bits=8,
               act_bits=8, input_size=32, in_channels=3, num_classes=10, stem_bits=8,
               head_bits=8, name=None):
    """BlendMixer: patch embedding (fixed conv patch x patch / patch, 3 -> D, + BN) to D
    channels x T tokens; `layers` mixer layers, each a token-mixing Blend module (transpose
    -> Blend MLP over tokens T -> 2T -> T with a fixed T -> T skip -> transpose back) and a
    channel-mixing Blend module (D -> 2D -> D, fixed D -> D skip); global average pool +
    fixed FC D -> classes. After the first transpose back, activations are (D, T, 1)."""
    if input_size % patch:
        raise ValueError("input_size must be a multiple of patch")
    T = (input_size // patch) ** 2
    token_hidden = token_hidden or 2 * T
    channel_hidden = channel_hidden or 2 * dim
    opts = dict(dim=dim, layers=layers, patch=patch, token_hidden=token_hidden,
                channel_hidden=channel_hidden, skip_bits=skip_bits, act_bits=act_bits,
                input_size=input_size, in_channels=in_channels, num_classes=num_classes)
    net = GraphNet(name or "blendmixer", (in_channels, input_size, input_size),
                   description=f"BlendMixer: {patch}x{patch} patches, D={dim}, {T} tokens, {layers} "
                               f"mixer layers of binary MLPs with int{skip_bits} skips",
                   arch="blendmixer", options=opts)
    x = net.node("stem.quant", "quantize_input", ["input"], "stem")
    x = net.node("stem.conv", "conv_fixed", [x], "stem",
                 op=nn.Conv2d(in_channels, dim, patch, patch, 0, bias=False),
                 kernel=patch, stride=patch, pad=0, wbits=stem_bits)
    x = _bn(net, "stem.bn", [x], "stem", None, dim, act_bits)
    for i in range(layers):
        m = net.group(f"mixer{i}.token", "mixer")
        t = net.node(f"{m}.transpose", "transpose", [x], "merge", m)        # (T, D, 1)
        t = _mixer_mlp(net, m, t, T, token_hidden, skip_bits, act_bits)
        x = net.node(f"{m}.transpose_back", "transpose", [t], "merge", m)   # (D, T, 1)
        m = net.group(f"mixer{i}.channel", "mixer")
        x = _mixer_mlp(net, m, x, dim, channel_hidden, skip_bits, act_bits)
    _head(net, x, dim, num_classes, head_bits)
    return net


ARCHS = OrderedDict([
    ("blendnet20", blendnet20),
    ("resnet20-bnn", resnet20_bnn),
    ("resnet20-int8", resnet20_int8),
    ("blendmixer", blendmixer),
])


def build(arch, **options):
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r} (known: {', '.join(ARCHS)})")
    return ARCHS[arch](**options)


# ----------------------------------------------------------------------------- seeded weights

def init_weights(net, seed):
    """Seeded kaiming-like weights: fixed convs/FCs N(0, 2/fan_in), binary N(0, 1/fan_in),
    biases 0, BN identity."""
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for n in net.nodes:
            if not n.has_op:
                continue
            op = net.op(n.name)
            if isinstance(op, nn.BatchNorm2d):
                op.reset_parameters()
                op.reset_running_stats()
                continue
            w = op.weight
            fan_in = w[0].numel()
            gain = 1.0 if n.kind in ("conv_binary", "fc_binary") else 2.0
            w.copy_(torch.randn(w.shape, generator=g) * math.sqrt(gain / fan_in))
            if getattr(op, "bias", None) is not None:
                op.bias.zero_()
    return net


def calibrate_bn(net, images, seed, jitter=0.1, center_head=True):
    """Set every BatchNorm's running statistics from its input on `images` (mu = per-channel
    mean, var = per-channel variance), gamma = 1 + jitter*N(0,1), beta = jitter*N(0,1), in
    execution order, so each BN sees the already-calibrated network before it. Then, if
    the last node is an FC with a bias, give every class logit the same standard deviation
    (rows of the FC scaled) and zero mean (bias) over `images`."""
    g = torch.Generator().manual_seed(int(seed) + 7919)
    net.eval()

    def pre(node, ins):
        if node.kind != "batchnorm":
            return
        bn = net.op(node.name)
        x = ins[0].double()
        mu = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        C = mu.numel()
        bn.running_mean.copy_(mu.to(bn.running_mean.dtype))
        bn.running_var.copy_(var.clamp(min=1e-12).to(bn.running_var.dtype))
        bn.weight.copy_(1.0 + jitter * torch.randn(C, generator=g))
        bn.bias.copy_(jitter * torch.randn(C, generator=g))

    with torch.no_grad():
        vals = net.run_nodes(images, pre=pre)
        last = net.nodes[-1]
        op = net.op(last.name) if last.has_op else None
        if center_head and op is not None and getattr(op, "bias", None) is not None:
            # equal spread and zero mean per class, so that no class wins by default
            y = vals[last.name].double()
            std = y.std(dim=(0, 2, 3)).clamp(min=1e-12)
            f = (std.mean() / std).to(op.weight.dtype)
            op.weight.mul_(f.view(-1, *([1] * (op.weight.dim() - 1))))
            op.bias.mul_(f)
            op.bias.sub_((y.mean(dim=(0, 2, 3)) * f.double()).to(op.bias.dtype))
    return net


def sign_balance(net, images):
    """For every sign node: per-channel fraction of +1 outputs on `images`.
    Returns [(node name, np.array of fractions)]."""
    out = []

    def post(node, y):
        if node.kind in ("sign", "thermometer"):
            out.append((node.name, (y > 0).double().mean(dim=(0, 2, 3)).numpy()))

    with torch.no_grad():
        net.eval()
        net.run_nodes(images, post=post)
    return out


# ----------------------------------------------------------------------------- synthetic images

def synthetic_images(n, seed, channels=3, size=32, smooth=True):
    """Seeded CIFAR-like uint8 images (n, channels, size, size): smooth random colour fields
    (low-resolution noise upsampled bilinearly, plus a gradient and fine noise), or plain
    uniform noise with smooth=False. numpy RandomState: stable across versions."""
    rs = np.random.RandomState(int(seed))
    if not smooth:
        return rs.randint(0, 256, size=(n, channels, size, size)).astype(np.uint8)
    imgs = np.empty((n, channels, size, size), dtype=np.uint8)
    for i in range(n):
        base = rs.uniform(40, 215, size=(1, channels, 1, 1))
        res = rs.choice([2, 4, 8])
        low = rs.normal(0, 50, size=(1, channels, res, res))
        low += rs.normal(0, 30, size=(1, 1, res, res))  # luminance shared across channels
        up = F.interpolate(torch.from_numpy(low), size=(size, size), mode="bilinear",
                           align_corners=False).numpy()
        gy, gx = np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size), indexing="ij")
        grad = rs.normal(0, 25) * gy + rs.normal(0, 25) * gx
        img = base + up + grad[None, None] + rs.normal(0, 6, size=(1, channels, size, size))
        imgs[i] = np.clip(np.rint(img[0]), 0, 255).astype(np.uint8)
    return imgs
