# SPDX-License-Identifier: GPL-3.0-or-later
"""blendscope-import: a QONNX model (Brevitas, FINN, qonnx) -> a .bsm model for blendscope.
docs/import.md has the supported ops, the exactness rules and a Brevitas example.

  blendscope-import net.onnx -o net.bsm
  blendscope-import net.onnx -o net.bsm --calib images.npy --report report.json --strict

The graph input is taken to be (pixel - 128) * s, s the scale of the Quant that reads it.
Exit status 0: written; 1: refused or malformed (one line on stderr); 2: bad usage.
"""

import argparse
import json
import sys

import numpy as np


def die(msg):
    print(f"blendscope-import: error: {msg}", file=sys.stderr)
    return 1


def load_calibration(spec, shape, count, seed):
    from .qonnx_import import random_images
    if spec == "random":
        return random_images(count, shape, seed)
    x = np.load(spec, allow_pickle=False)
    if x.dtype != np.uint8 or x.ndim != 4 or tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"--calib {spec}: need uint8 (N, {', '.join(map(str, shape))}), "
                         f"got {x.dtype} {x.shape}")
    return x[:count]


def print_report(path, model, report, out):
    layers = report["layers"]
    kinds = {}
    for l in layers:
        kinds[l["precision"]] = kinds.get(l["precision"], 0) + 1
    print(f"wrote {path}: {model.name}, input {'x'.join(map(str, model.input_shape))}, "
          f"{len(layers)} layers ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}), "
          f"{len(model.modules)} modules ({', '.join(sorted(set(model.modules.values()))) or 'none'})",
          file=out)
    print(f"input: (pixel - 128) * {report['input_scale']:.6g}; logits: integer * "
          f"{report['logit_scale']:.6g}; {'exact' if report['exact'] else 'approximated'}", file=out)
    for l in layers:
        if not l["exact"] or l.get("worst_lsb"):
            dev = (f"; measured worst {l['worst_lsb']:.3g} {l['unit']}, {l['differing']:.3%} of values differ"
                   if "worst_lsb" in l else "")
            bound = f"; bound {l['bound_lsb']:.3g} LSB for exact inputs" if "bound_lsb" in l else ""
            print(f"  {l['layer']} ({l['op']} {l['node']}): {l.get('approximation', 'exact')}{bound}{dev}",
                  file=out)
    lg = report.get("logits")
    if lg:
        print(f"logits on {lg['calibration_images']} calibration images: worst |error| {lg['worst']:.4g}, "
              f"reported bound {lg['bound']:.4g}, top-1 agreement {lg['top1_agreement']:.1%}", file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="blendscope-import", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", metavar="MODEL.onnx")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.bsm")
    ap.add_argument("--strict", action="store_true",
                    help="refuse instead of approximating (every layer must be bit-exact)")
    ap.add_argument("--calib", default="random", metavar="random|FILE.npy",
                    help="calibration images for measuring deviations (uint8 (N, C, H, W))")
    ap.add_argument("--calib-count", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--name", help="model name (default: the file name)")
    ap.add_argument("--labels", help="class labels, comma-separated")
    ap.add_argument("--report", metavar="FILE.json", help="write the per-layer report as JSON")
    ap.add_argument("--no-measure", action="store_true",
                    help="skip measuring deviations on the calibration images (faster; the "
                         "per-layer bounds are still reported)")
    args = ap.parse_args(argv)
    try:
        from . import qonnx_graph, qonnx_import
        g = qonnx_graph.load(args.model)
        calib = load_calibration(args.calib, g.input_shape, max(1, args.calib_count), args.seed)
        labels = [s.strip() for s in args.labels.split(",")] if args.labels else None
        model, report = qonnx_import.import_qonnx(args.model, args.output, calib, strict=args.strict,
                                                  name=args.name, labels=labels,
                                                  measure=not args.no_measure, graph=g)
    except (ValueError, OSError) as e:          # QonnxError, BsmError, bad --calib
        return die(str(e).splitlines()[0] if str(e) else type(e).__name__)
    except Exception as e:  # noqa: BLE001 - a malformed file must not end in a traceback
        return die(f"{args.model}: cannot import ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
    print_report(args.output, model, report, sys.stdout)
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=1)
    return 0
