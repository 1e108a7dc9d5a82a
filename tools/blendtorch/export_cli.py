# SPDX-License-Identifier: GPL-3.0-or-later
"""blendscope-export: a trained PyTorch model of one of the blendscope architectures ->
a quantised integer .bsm model for blendscope. docs/exporter.md has the details.

  blendscope-export blendnet20 --checkpoint bn20.pt --calib cifar-calib.npy -o bn20.bsm
  blendscope-export blendmixer --random-init --seed 3 -o mixer.bsm --check 200
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

from . import bsm, export, intref, models

ARCH_OPTIONS = {  # which command-line options each architecture takes
    "blendnet20": ["widths", "blocks", "skip_kernel", "skip_bits", "skip_relu", "act_bits",
                   "thermometer", "levels", "input_size", "in_channels", "num_classes"],
    "resnet20-bnn": ["widths", "blocks", "act_bits", "thermometer", "levels", "input_size",
                     "in_channels", "num_classes"],
    "resnet20-int8": ["widths", "blocks", "wbits", "act_bits", "input_size", "in_channels",
                      "num_classes"],
    "blendmixer": ["dim", "layers", "patch", "token_hidden", "channel_hidden", "skip_bits",
                   "act_bits", "input_size", "in_channels", "num_classes"],
}


def die(msg):
    print(f"blendscope-export: error: {msg}", file=sys.stderr)
    sys.exit(1)


def load_checkpoint(path, fail=None):
    """Returns (state_dict, arch or None, options dict); problems go to fail(message)
    (default: exit as blendscope-export)."""
    die = fail or globals()["die"]
    try:
        ck = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - report any unpickling problem plainly
        die(f"{path}: cannot load ({e})")
    arch, opts = None, {}
    if isinstance(ck, torch.nn.Module):
        ck = ck.state_dict()
    if isinstance(ck, dict):
        arch = ck.get("arch") if isinstance(ck.get("arch"), str) else None
        opts = ck.get("options") if isinstance(ck.get("options"), dict) else {}
        for key in ("state_dict", "model_state_dict", "model", "net"):
            if key in ck and isinstance(ck[key], dict):
                ck = ck[key]
                break
    if not isinstance(ck, dict) or not all(isinstance(v, torch.Tensor) for v in ck.values()):
        die(f"{path}: not a state_dict (or a dict holding one under 'state_dict'/'model')")
    sd = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in ck.items()}
    return sd, arch, opts


def load_calibration(spec, shape, count, seed):
    C, H, W = shape
    if spec in ("random", "smooth"):
        return models.synthetic_images(count, seed, channels=C, size=H)
    if spec == "noise":
        return models.synthetic_images(count, seed, channels=C, size=H, smooth=False)
    try:
        x = np.load(spec)
    except Exception as e:  # noqa: BLE001
        die(f"--calib {spec}: cannot read ({e})")
    if x.dtype != np.uint8:
        die(f"--calib {spec}: images must be uint8 (0..255), got {x.dtype}")
    if x.ndim == 3:
        x = x[None]
    if x.ndim == 4 and tuple(x.shape[1:]) != (C, H, W) and tuple(x.shape[1:]) == (H, W, C):
        print(f"note: {spec} is (N, H, W, C); transposing to (N, C, H, W)", file=sys.stderr)
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    if x.ndim != 4 or tuple(x.shape[1:]) != (C, H, W):
        die(f"--calib {spec}: shape {x.shape}, the model wants (N, {C}, {H}, {W})")
    if count and len(x) > count:
        x = x[:count]
    return x


def main():
    ap = argparse.ArgumentParser(
        prog="blendscope-export", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", nargs="?", choices=list(models.ARCHS),
                    help="architecture (may come from the checkpoint's 'arch' key)")
    src = ap.add_argument_group("weights")
    src.add_argument("--checkpoint", metavar="FILE",
                     help="torch.save'd state_dict, or a dict holding one under 'state_dict'/'model' "
                          "(optionally with 'arch' and 'options' keys)")
    src.add_argument("--random-init", action="store_true",
                     help="no checkpoint: seeded random weights, BatchNorm statistics calibrated on "
                          "the calibration images (a demo / test model)")
    src.add_argument("--seed", type=int, default=1, help="seed for --random-init (1)")
    src.add_argument("--recalibrate-bn", action="store_true",
                     help="recompute BatchNorm running statistics on the calibration images "
                          "(keeps gamma and beta)")

    arch = ap.add_argument_group("architecture options (defaults: DESIGN.md section 4)")
    arch.add_argument("--widths", help="stage widths, comma-separated (16,32,64)")
    arch.add_argument("--blocks", type=int, help="modules per stage (blendnet20: 6, resnet20-*: 3)")
    arch.add_argument("--skip-kernel", type=int, choices=[1, 3], help="Blend skip conv kernel (1)")
    arch.add_argument("--skip-bits", type=int, choices=[4, 8, 16], help="skip-path weight bits (8)")
    arch.add_argument("--act-bits", type=int, choices=[4, 8, 16], help="activation bits (8)")
    arch.add_argument("--wbits", type=int, choices=[4, 8, 16], help="resnet20-int8 weight bits (8)")
    arch.add_argument("--thermometer", action="store_true",
                      help="FracBNN input: thermometer encoding + binary 3x3 stem")
    arch.add_argument("--levels", type=int, help="thermometer levels per colour channel (32)")
    arch.add_argument("--skip-relu", dest="skip_relu", action="store_true",
                      help="BlendNet: a ReLU after the skip path's BatchNorm")
    arch.add_argument("--input-size", type=int, help="input height = width (32)")
    arch.add_argument("--in-channels", type=int, help="input channels (3)")
    arch.add_argument("--num-classes", type=int, help="classes (10)")
    arch.add_argument("--dim", type=int, help="blendmixer channels D (64)")
    arch.add_argument("--layers", type=int, help="blendmixer mixer layers (4)")
    arch.add_argument("--patch", type=int, help="blendmixer patch size (4)")
    arch.add_argument("--token-hidden", type=int, help="blendmixer token MLP width (2 x tokens)")
    arch.add_argument("--channel-hidden", type=int, help="blendmixer channel MLP width (2 x D)")

    cal = ap.add_argument_group("calibration")
    cal.add_argument("--calib", default="random", metavar="random|noise|FILE.npy",
                     help="calibration images: 'random' (seeded smooth synthetic images), 'noise' "
                          "(uniform noise) or a .npy of uint8 images (N, C, H, W); use real "
                          "training images for a trained model")
    cal.add_argument("--calib-count", type=int, default=256, help="images used (256)")
    cal.add_argument("--calib-seed", type=int, default=1000, help="seed for random calibration (1000)")
    cal.add_argument("--calib-method", choices=["max", "percentile"], default="max",
                     help="activation scale from max |y| (default) or a percentile of |y|")
    cal.add_argument("--percentile", type=float, default=99.99, help="for --calib-method percentile")

    out = ap.add_argument_group("output")
    out.add_argument("-o", "--output", required=True, metavar="FILE.bsm")
    out.add_argument("--name", help="model name (default: the architecture's)")
    out.add_argument("--description")
    out.add_argument("--labels", help="class labels, comma-separated (CIFAR-10 names for 10 classes)")
    out.add_argument("--report", metavar="FILE.json", help="write the chosen scales and statistics")
    out.add_argument("--check", type=int, default=0, metavar="N",
                     help="afterwards, run the float model and the integer oracle on N calibration-"
                          "like images and print their top-1 agreement")
    out.add_argument("--strict", action="store_true", help="fail on exporter warnings")
    args = ap.parse_args()

    if bool(args.checkpoint) == bool(args.random_init):
        die("give exactly one of --checkpoint FILE and --random-init")
    sd, ck_arch, ck_opts = (None, None, {})
    if args.checkpoint:
        sd, ck_arch, ck_opts = load_checkpoint(args.checkpoint)
    arch_name = args.arch or ck_arch
    if arch_name is None:
        die("no architecture: name it (blendnet20, resnet20-bnn, resnet20-int8, blendmixer)")
    if ck_arch and args.arch and ck_arch != args.arch:
        die(f"the checkpoint says arch={ck_arch}, the command line {args.arch}")

    unknown = sorted(set(ck_opts) - set(ARCH_OPTIONS[arch_name]))
    if unknown:  # dropping one would build another network than the one trained
        die(f"the checkpoint's {arch_name} has option(s) {', '.join(unknown)} this tool does not know")
    opts = dict(ck_opts)
    for key in ARCH_OPTIONS[arch_name]:
        v = getattr(args, key, None)
        if key in ("thermometer", "skip_relu"):
            if v:
                opts[key] = True
            continue
        if v is None:
            continue
        if key == "widths":
            try:
                v = tuple(int(x) for x in v.split(","))
            except ValueError:
                die(f"--widths {v}: expected integers like 16,32,64")
        opts[key] = v
    given = [k for k in ("skip_kernel", "skip_bits", "wbits", "dim", "layers", "patch", "levels")
             if getattr(args, k, None) is not None and k not in ARCH_OPTIONS[arch_name]]
    if given:
        die(f"{arch_name} has no option(s) {', '.join('--' + g.replace('_', '-') for g in given)}")
    try:
        net = models.build(arch_name, **({"name": args.name} if args.name else {}), **opts)
    except (TypeError, ValueError) as e:
        die(f"{arch_name}: {e}")

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    calib = load_calibration(args.calib, net.input_shape, args.calib_count, args.calib_seed)
    if sd is not None:
        own = net.state_dict()
        wrong = [f"{k}: checkpoint {list(v.shape)}, model {list(own[k].shape)}"
                 for k, v in sd.items() if k in own and tuple(v.shape) != tuple(own[k].shape)]
        if wrong:
            die(f"{args.checkpoint} does not match {arch_name} {opts} (give the architecture options "
                f"the model was trained with):\n  " + "\n  ".join(wrong[:8])
                + (f"\n  ... {len(wrong) - 8} more" if len(wrong) > 8 else ""))
        res = net.load_state_dict(sd, strict=False)
        if res.missing_keys or res.unexpected_keys:
            die(f"{args.checkpoint} does not match {arch_name} {opts}:\n"
                f"  missing: {', '.join(res.missing_keys[:12])}{' ...' if len(res.missing_keys) > 12 else ''}\n"
                f"  unexpected: {', '.join(res.unexpected_keys[:12])}"
                f"{' ...' if len(res.unexpected_keys) > 12 else ''}")
        if args.recalibrate_bn:
            _recalibrate(net, calib)
    else:
        models.init_weights(net, args.seed)
        models.calibrate_bn(net, calib, args.seed)
    net.eval()

    labels = None
    if args.labels:
        labels = [s.strip() for s in args.labels.split(",")]
    elif net.options.get("num_classes", 10) != 10:
        labels = [f"class{i}" for i in range(net.options["num_classes"])]
    prov = {"generator": "tools/blendscope-export",
            "source": os.path.basename(args.checkpoint) if args.checkpoint else f"random-init seed {args.seed}",
            "calibration_source": args.calib if args.calib in ("random", "noise") else os.path.basename(args.calib)}
    try:
        res = export.export(net, calib, args.output, name=args.name, description=args.description,
                            labels=labels, provenance=prov, method=args.calib_method,
                            percentile=args.percentile)
    except (ValueError, bsm.BsmError) as e:
        die(str(e))

    m = res.model
    kinds = {}
    for l in m.layers:
        kinds[l.precision] = kinds.get(l.precision, 0) + 1
    print(f"wrote {res.path}: {m.name}, input {'x'.join(map(str, m.input_shape))}, {len(m.layers)} layers "
          f"({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}), {len(m.modules)} modules, "
          f"{os.path.getsize(res.path)} bytes")
    for w in res.report["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"scales": res.report["scales"], "warnings": res.report["warnings"],
                       "stats": {k: {"max": v["max"], **({"pct": v["pct"]} if "pct" in v else {})}
                                 for k, v in res.report["stats"].items()}}, f, indent=1)
    if args.check:
        C, H, W = net.input_shape
        x = (calib if len(calib) >= args.check else
             models.synthetic_images(args.check, args.calib_seed + 1, channels=C, size=H))[:args.check]
        fi = export.float_logits(net, x).argmax(1)
        ii = intref.run_batched(m, x).argmax(1)
        print(f"check: float vs integer top-1 agreement {(fi == ii).double().mean().item():.1%} "
              f"on {len(x)} images")
    if args.strict and res.report["warnings"]:
        return 1
    return 0


def _recalibrate(net, images):
    def pre(node, ins):
        if node.kind == "batchnorm":
            bn = net.op(node.name)
            x = ins[0].double()
            bn.running_mean.copy_(x.mean(dim=(0, 2, 3)).to(bn.running_mean.dtype))
            bn.running_var.copy_(x.var(dim=(0, 2, 3), unbiased=False).to(bn.running_var.dtype))

    net.eval()
    with torch.no_grad():
        net.run_nodes(torch.as_tensor(images), pre=pre)
