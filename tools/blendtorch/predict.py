# SPDX-License-Identifier: GPL-3.0-or-later
"""python3 -m blendtorch.predict: the float PyTorch model's predicted classes, for
`blendscope-cli eval --checkpoint` (how often the integer model agrees with it).

  python3 -m blendtorch.predict --checkpoint F.pt --model M.bsm --images X.npy --out P.npy

The checkpoint is what blendscope-export takes: a state_dict, or a dict holding one with
optional 'arch' and 'options' keys. Without them, the architecture and its options come
from the .bsm file's [provenance] (arch=, opt_*=), which blendscope-export writes.
Images: uint8 (N, C, H, W). Output: int32 (N,), torch.argmax of the float logits.
Exit status 1 with a message on stderr on any problem; 3 when PyTorch is missing.
"""

import argparse
import sys

PROG = "blendtorch.predict"


def die(msg, status=1):
    print(f"{PROG}: error: {msg}", file=sys.stderr)
    sys.exit(status)


try:
    import numpy as np
    import torch
except ImportError as e:  # the one dependency a Debian machine may lack
    die(f"PyTorch is not importable ({e}): install Debian's python3-torch "
        "(apt install python3-torch)", status=3)

from . import bsm, export, models  # noqa: E402
from .export_cli import ARCH_OPTIONS, load_checkpoint  # noqa: E402


def _option_value(text):
    """Undo export.py's provenance spelling: True/False, 8,16,32, 10."""
    if text in ("True", "False"):
        return text == "True"
    try:
        if "," in text:
            return tuple(int(x) for x in text.split(","))
        return int(text)
    except ValueError:
        return text


def _normal(v):
    return tuple(v) if isinstance(v, list) else v


def _recorded_architecture(model_path):
    """(arch or None, options) from the .bsm file's [provenance]."""
    try:
        prov = bsm.read(model_path).provenance
    except (OSError, bsm.BsmError) as e:
        die(f"{model_path}: cannot read ({e})")
    arch = prov.get("arch")
    if arch not in ARCH_OPTIONS:
        return None, {}
    opts = {k[len("opt_"):]: _option_value(v) for k, v in prov.items() if k.startswith("opt_")}
    return arch, {k: v for k, v in opts.items() if k in ARCH_OPTIONS[arch]}


def architecture(ck_arch, ck_opts, model_path):
    """(arch, options): the checkpoint's, else the .bsm provenance's. When both name
    one, they must agree: a checkpoint of another network is not this model's float
    counterpart, whatever the agreement would say."""
    arch, opts = _recorded_architecture(model_path)
    if ck_arch is None:
        if arch is None:
            die(f"the checkpoint names no architecture and {model_path} records none "
                f"(its [provenance] has no arch= of {', '.join(ARCH_OPTIONS)})")
        return arch, opts
    unknown = sorted(set(ck_opts) - set(ARCH_OPTIONS.get(ck_arch, [])))
    if unknown:  # dropping one would build another network than the one trained
        die(f"the checkpoint's {ck_arch} has option(s) {', '.join(unknown)} this tool does not know")
    ck_opts = {k: _normal(v) for k, v in ck_opts.items()}
    if arch is not None:
        differ = [k for k, v in ck_opts.items() if k in opts and opts[k] != v]
        if arch != ck_arch or differ:
            die(f"the checkpoint is {ck_arch} {ck_opts}, but {model_path} was exported from "
                f"{arch} {opts} (differing: {', '.join(differ) or 'arch'})")
    return ck_arch, ck_opts


def float_net(checkpoint, model_path):
    sd, ck_arch, ck_opts = load_checkpoint(checkpoint, fail=die)
    arch, opts = architecture(ck_arch, ck_opts, model_path)
    try:
        net = models.build(arch, **opts)
    except (TypeError, ValueError) as e:
        die(f"{arch} {opts}: {e}")
    try:
        res = net.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        die(f"{checkpoint} does not match {arch} {opts}: {str(e).splitlines()[0]}")
    del res
    return net.eval()


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, metavar="FILE.pt")
    ap.add_argument("--model", required=True, metavar="FILE.bsm",
                    help="the integer model (its provenance names the architecture)")
    ap.add_argument("--images", required=True, metavar="FILE.npy", help="uint8 (N, C, H, W)")
    ap.add_argument("--out", required=True, metavar="FILE.npy", help="int32 (N,) predictions")
    args = ap.parse_args(argv)

    net = float_net(args.checkpoint, args.model)
    try:
        x = np.load(args.images)
    except (OSError, ValueError) as e:
        die(f"{args.images}: cannot read ({e})")
    if x.dtype != np.uint8 or x.ndim != 4 or tuple(x.shape[1:]) != tuple(net.input_shape):
        die(f"{args.images}: {x.dtype} {x.shape}, the float model takes uint8 "
            f"(N, {', '.join(map(str, net.input_shape))})")
    predictions = export.float_logits(net, x).argmax(1).numpy().astype(np.int32)
    np.save(args.out, predictions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
