# SPDX-License-Identifier: GPL-3.0-or-later
"""Training recipes: float GraphNets trained on real data, then the exporter (docs/training.md).

Every recipe is seeded and runs on the CPU:
  - binary layers (sign, binary conv/FC) train through models.py's straight-through
    estimators (sign: gradient passed where |x| <= 1; weights: sign(w) * mean|w| forward,
    gradient to the float weights);
  - fixed-point layers train with quantisation-aware training (QAT): every fixed conv/FC
    sees its weights fake-quantised as the exporter will quantise them (symmetric, per
    output channel, `wbits`), and every BatchNorm with 4/8/16-bit output sees its output
    fake-quantised on a scale that tracks the running maximum of |y| (what the exporter's
    max calibration picks), both with straight-through gradients;
  - BatchNorm everywhere the architecture has it; Adam with a cosine learning rate;
    light augmentation (random shifts of up to 2 pixels; horizontal flips for Fashion-MNIST).

    net, log = train(RECIPES["fmnist-blendnet"], x_train, y_train)
"""

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from . import models


@dataclass(frozen=True)
class Recipe:
    dataset: str                       # datasets.DATASETS key
    arch: str                          # models.ARCHS key
    options: dict = field(default_factory=dict)
    epochs: int = 10
    batch: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.0          # on fixed-point weights only (binary latent weights: none)
    seed: int = 1
    shift: int = 2                     # random translation, pixels
    flip: bool = False                 # random horizontal flips
    qat: bool = True
    name: str = ""                     # the .bsm model name
    summary: str = ""                  # one line for [provenance]


FMNIST = dict(input_size=28, in_channels=1)

RECIPES = OrderedDict([
    ("fmnist-blendnet", Recipe(
        "fashion-mnist", "blendnet20",
        dict(FMNIST, widths=[16, 32, 64], blocks=1, skip_kernel=3, skip_relu=True),
        epochs=10, lr=2e-3, weight_decay=5e-5, seed=14, shift=0, flip=True, name="fmnist-blendnet")),
    ("fmnist-resnet-int8", Recipe(
        "fashion-mnist", "resnet20-int8",
        dict(FMNIST, widths=[16, 32, 64], blocks=1),
        epochs=10, lr=2e-3, weight_decay=5e-5, seed=15, shift=0, flip=True, name="fmnist-resnet-int8")),
    ("fmnist-resnet-bnn", Recipe(
        "fashion-mnist", "resnet20-bnn",
        dict(FMNIST, widths=[16, 32, 64], blocks=1),
        epochs=6, lr=2e-3, weight_decay=5e-5, seed=16, shift=0, flip=True, name="fmnist-resnet-bnn")),
    ("fmnist-blendmixer", Recipe(
        "fashion-mnist", "blendmixer",
        dict(FMNIST, dim=64, layers=2, patch=4),
        epochs=3, lr=2e-3, weight_decay=5e-5, seed=17, shift=0, flip=True, name="fmnist-blendmixer")),
    ("fmnist-blendnet-thermo", Recipe(
        "fashion-mnist", "blendnet20",
        dict(FMNIST, widths=[16, 32, 64], blocks=1, skip_kernel=3, thermometer=True, levels=8),
        epochs=3, lr=2e-3, weight_decay=5e-5, seed=18, shift=0, flip=True, name="fmnist-blendnet-thermo")),
    # the CI recipe (tests/training): seconds on the 8x8 digits
    ("digits-blendnet", Recipe(
        "digits", "blendnet20",
        dict(input_size=8, in_channels=1, widths=[16, 32], blocks=1, skip_kernel=3),
        epochs=15, batch=64, lr=3e-3, seed=5, shift=0, name="digits-blendnet")),
])


def describe(r):
    opts = ", ".join(f"{k}={v}" for k, v in r.options.items())
    return (f"{r.arch}({opts}); {r.epochs} epochs, batch {r.batch}, Adam lr {r.lr:g} cosine, "
            f"weight decay {r.weight_decay:g} on fixed weights, "
            f"{'QAT for fixed-point layers, ' if r.qat else ''}STE for binary layers, "
            f"shifts <= {r.shift} px{', flips' if r.flip else ''}")


# ----------------------------------------------------------------------------- QAT

class _FakeQuant(torch.autograd.Function):
    """round(x / s) clamped to +-qmax, times s; gradient straight through inside the range."""

    @staticmethod
    def forward(ctx, x, scale, qmax, lo):
        ctx.save_for_backward(x)
        ctx.bounds = (lo * scale, qmax * scale)
        return torch.clamp(torch.round(x / scale), lo, qmax) * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return g * ((x >= lo) & (x <= hi)).to(g.dtype), None, None, None


class QatHooks:
    """Fake quantisation in a GraphNet's forward, matching the exporter's rules for the
    fixed-point weights and the 4/8/16-bit activations. Installed by wrapping the net's
    node evaluation; removed with remove() (the float model itself is unchanged)."""

    def __init__(self, net, momentum=0.1):
        self.net, self.momentum = net, momentum
        self.act_max = {}
        self._orig_eval = net._eval
        self._orig_w = {}
        net._eval = self._eval

    def remove(self):
        self.net._eval = self._orig_eval

    def _eval(self, n, ins):
        if n.kind in ("conv_fixed", "fc_fixed"):
            return self._fixed(n, ins[0])
        y = self._orig_eval(n, ins)
        if n.kind == "batchnorm" and n.attrs["out_bits"] < 32:
            return self._act(n, y)
        return y

    def _fixed(self, n, x):
        op = self.net.op(n.name)
        w = op.weight
        qmax = (1 << (n.attrs.get("wbits", 8) - 1)) - 1
        if n.attrs.get("per_tensor"):
            s = w.detach().abs().max().clamp(min=1e-12) / qmax
        else:
            s = w.detach().abs().reshape(w.shape[0], -1).max(1)[0].clamp(min=1e-12) / qmax
            s = s.view(-1, *([1] * (w.dim() - 1)))
        wq = _FakeQuant.apply(w, s, qmax, -qmax)
        if n.kind == "conv_fixed":
            return F.conv2d(x, wq, None, op.stride, op.padding)
        return F.conv2d(x, wq[:, :, None, None], op.bias)

    def _act(self, n, y):
        bits = n.attrs["out_bits"]
        qmax = (1 << (bits - 1)) - 1
        m = float(y.detach().abs().max())
        if self.net.training or n.name not in self.act_max:
            old = self.act_max.get(n.name)
            self.act_max[n.name] = m if old is None else (1 - self.momentum) * old + self.momentum * m
        s = max(self.act_max[n.name], 1e-12) / qmax
        lo = 0 if n.attrs.get("relu") else -qmax
        return _FakeQuant.apply(y, s, qmax, lo)


# ----------------------------------------------------------------------------- data

def augment(x, rs, shift, flip):
    """x uint8 tensor (N, C, H, W): random translation by up to `shift` pixels (zero fill,
    the background of these data sets) and, if asked, random horizontal flips."""
    N, C, H, W = x.shape
    if shift:
        p = F.pad(x, (shift, shift, shift, shift))
        dy = torch.from_numpy(rs.randint(0, 2 * shift + 1, N))
        dx = torch.from_numpy(rs.randint(0, 2 * shift + 1, N))
        rows = (dy[:, None] + torch.arange(H))[:, None, :, None].expand(N, C, H, W)
        cols = (dx[:, None] + torch.arange(W))[:, None, None, :].expand(N, C, H, W)
        n = torch.arange(N)[:, None, None, None]
        c = torch.arange(C)[None, :, None, None]
        x = p[n, c, rows, cols]
    if flip:
        f = torch.from_numpy(rs.rand(N) < 0.5)
        x = torch.where(f[:, None, None, None], x.flip(3), x)
    return x


# ----------------------------------------------------------------------------- training

def _param_groups(net, weight_decay):
    fixed, other = [], []
    for n in net.nodes:
        if not n.has_op:
            continue
        op = net.op(n.name)
        if n.kind in ("conv_fixed", "fc_fixed"):
            fixed.append(op.weight)
            if getattr(op, "bias", None) is not None:
                other.append(op.bias)
        else:
            other.extend(op.parameters())
    return [{"params": fixed, "weight_decay": weight_decay},
            {"params": other, "weight_decay": 0.0}]


def build(recipe):
    torch.manual_seed(recipe.seed)
    return models.build(recipe.arch, name=recipe.name or None, **recipe.options)


def train(recipe, x, y, log=print, on_epoch=None):
    """Train a float GraphNet on uint8 images x (N, C, H, W) and labels y (N,).
    on_epoch(epoch, net) runs after every epoch (e.g. to save a checkpoint).
    Returns (net in eval mode without the QAT hooks, dict of figures)."""
    torch.manual_seed(recipe.seed)
    rs = np.random.RandomState(recipe.seed)
    net = build(recipe)
    hooks = QatHooks(net) if recipe.qat else None
    opt = torch.optim.AdamW(_param_groups(net, recipe.weight_decay), lr=recipe.lr)
    xt, yt = torch.from_numpy(np.array(x)), torch.from_numpy(np.array(y))
    steps_per_epoch = math.ceil(len(xt) / recipe.batch)
    total = recipe.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
    cpu0, wall0 = time.process_time(), time.time()
    for epoch in range(recipe.epochs):
        net.train()
        perm = torch.from_numpy(rs.permutation(len(xt)))
        loss_sum, correct = 0.0, 0
        for i in range(steps_per_epoch):
            idx = perm[i * recipe.batch:(i + 1) * recipe.batch]
            xb = augment(xt[idx], rs, recipe.shift, recipe.flip)
            out = net(xb)
            loss = F.cross_entropy(out, yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == yt[idx]).sum())
        log(f"epoch {epoch + 1}/{recipe.epochs}: loss {loss_sum / len(xt):.4f}, "
            f"train top-1 {100.0 * correct / len(xt):.2f} % (augmented), "
            f"{time.process_time() - cpu0:.0f} CPU-s, {time.time() - wall0:.0f} s")
        if on_epoch is not None:
            on_epoch(epoch + 1, net)
    if hooks is not None:
        hooks.remove()
    net.eval()
    return net, {"cpu_seconds": time.process_time() - cpu0, "wall_seconds": time.time() - wall0,
                 "epochs_done": recipe.epochs, "threads": torch.get_num_threads()}


def recalibrate_bn(net, images):
    """Re-estimate every BatchNorm's running mean and variance on `images` (one batch, in
    execution order, so each BN sees the already re-estimated layers before it); gamma and
    beta are kept. After training with STE the running averages lag behind the last
    weights (binary signs still flip late in training); the population statistics of the
    final network fix that."""
    def pre(node, ins):
        if node.kind == "batchnorm":
            bn = net.op(node.name)
            x = ins[0].double()
            bn.running_mean.copy_(x.mean(dim=(0, 2, 3)).to(bn.running_mean.dtype))
            bn.running_var.copy_(x.var(dim=(0, 2, 3), unbiased=False).to(bn.running_var.dtype))

    net.eval()
    with torch.no_grad():
        net.run_nodes(torch.as_tensor(np.array(images)), pre=pre)
    return net


def predict_float(net, x, batch=500):
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(net(torch.as_tensor(np.array(x[i:i + batch]))).argmax(1))
    return torch.cat(out).numpy()


def calibration_subset(x, count, seed):
    """`count` training images picked by a seeded permutation (for the exporter)."""
    idx = np.sort(np.random.RandomState(seed).permutation(len(x))[:count])
    return np.ascontiguousarray(x[idx])


def checkpoint(net, recipe_name, recipe):
    return {"arch": recipe.arch, "options": net.options, "state_dict": net.state_dict(),
            "recipe": recipe_name}


def with_epochs(recipe, epochs):
    return recipe if epochs is None else replace(recipe, epochs=epochs)
