# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate the bundled reference models, deterministically.

Writes data/models/{blendnet20,blendnet20-thermo,resnet20-bnn,resnet20-int8,blendmixer}.bsm
and data/models/sample-inputs.npy (uint8 (16, 3, 32, 32)). Same machine, same PyTorch:
byte-identical output on every run (`--check` regenerates into a temporary folder and
compares). Prints, per model, the balance of every sign layer of the *integer* model
(fraction of +1 outputs per channel: min / median / max over channels) on held-out
synthetic images, and the spread of predicted classes.

The recipe (seeds, calibration) is tools/blendtorch/reference.py; docs/reference-models.md
describes the models and records the evidence.
"""

import argparse
import filecmp
import os
import sys
import tempfile

import numpy as np
import torch

from . import bsm, intref, reference

# data/models of the source tree this package sits in (tools/blendtorch/ -> the root)
SOURCE_MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))),
                             "data", "models")


def balance_rows(model, images):
    vals = intref.run_all(model, images)
    rows = []
    for l in model.layers:
        if l.kind == "sign":  # fraction of +1 per channel
            y = vals[l.name]
            rows.append((l.name, (y > 0).double().mean(dim=(0, 2, 3)).numpy()))
    if not rows:  # all fixed point: fraction of non-zero ReLU outputs per channel instead
        for l in model.layers:
            if l.kind == "batchnorm" and l.params.get("relu"):
                y = vals[l.name]
                rows.append((l.name, (y > 0).double().mean(dim=(0, 2, 3)).numpy()))
    logits = vals[model.layers[-1].name].reshape(len(images), -1)
    classes = np.bincount(logits.argmax(1).numpy(), minlength=logits.shape[1])
    return rows, classes


def model_has_sign(m):
    return any(l.kind == "sign" for l in m.layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=SOURCE_MODELS,
                    help="where to write (default: data/models of this source tree)")
    ap.add_argument("--only", action="append", choices=list(reference.REFERENCE_MODELS),
                    help="generate only this model (repeatable)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary folder and compare byte for byte with --out-dir")
    ap.add_argument("--markdown", action="store_true", help="print the evidence as markdown tables")
    ap.add_argument("--quiet", action="store_true", help="no evidence, just write")
    args = ap.parse_args()

    torch.set_num_threads(1)  # one reduction order: byte-identical floats run to run
    names = args.only or list(reference.REFERENCE_MODELS)

    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for name in names:
                reference.make(name, os.path.join(tmp, name + ".bsm"))
                files.append(name + ".bsm")
            np.save(os.path.join(tmp, "sample-inputs.npy"), reference.sample_inputs())
            files.append("sample-inputs.npy")
            rc = 0
            for f in files:
                a, b = os.path.join(tmp, f), os.path.join(args.out_dir, f)
                same = os.path.exists(b) and filecmp.cmp(a, b, shallow=False)
                print(f"{f}: {'identical' if same else 'DIFFERENT'}")
                rc |= 0 if same else 1
            return rc

    os.makedirs(args.out_dir, exist_ok=True)
    heldout = reference.heldout_inputs()
    for name in names:
        path = os.path.join(args.out_dir, name + ".bsm")
        net, res = reference.make(name, path)
        m = bsm.read(path)
        size = os.path.getsize(path)
        print(f"wrote {path} ({size} bytes, {len(m.layers)} layers, {len(m.modules)} modules)")
        for w in res.report["warnings"]:
            print(f"  warning: {w}")
        if args.quiet:
            continue
        rows, classes = balance_rows(m, heldout)
        allf = np.concatenate([f for _, f in rows])
        if args.markdown:
            sign = model_has_sign(m)
            what = "sign layers; fraction of +1" if sign else \
                "ReLU layers (no sign layer); fraction of outputs > 0"
            print(f"\n#### {name}\n")
            print(f"{len(rows)} {what} per channel, over all channels: min {allf.min():.3f}, "
                  f"median {np.median(allf):.3f}, max {allf.max():.3f}; predicted classes on "
                  f"{len(heldout)} held-out images: {classes.tolist()}\n")
            print(f"| {'sign' if sign else 'ReLU'} layer | channels | min | median | max |")
            print("| --- | ---: | ---: | ---: | ---: |")
        else:
            what = "sign layers: +1" if model_has_sign(m) else "ReLU layers (no sign layer): > 0"
            print(f"  {len(rows)} {what} fraction per channel, over all channels: min {allf.min():.3f} "
                  f"median {np.median(allf):.3f} max {allf.max():.3f}")
            print(f"  predicted classes on {len(heldout)} held-out images: {classes.tolist()}")
        for lname, f in rows:
            if args.markdown:
                print(f"| {lname} | {len(f)} | {f.min():.3f} | {np.median(f):.3f} | {f.max():.3f} |")
            else:
                print(f"    {lname:28s} C={len(f):4d}  min {f.min():.3f}  median {np.median(f):.3f}  max {f.max():.3f}")
    if True:  # cheap and deterministic: always
        p = os.path.join(args.out_dir, "sample-inputs.npy")
        np.save(p, reference.sample_inputs())
        print(f"wrote {p}")
    return 0
