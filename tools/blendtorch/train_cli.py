# SPDX-License-Identifier: GPL-3.0-or-later
"""blendscope-train: train one recipe (tools/blendtorch/train.py) on its data set, export it
with real training images as calibration, measure the integer model on the test split and
write a .bsm whose [provenance] records data set, recipe, seed, epochs and the figures.

  blendscope-train fmnist-blendnet -o data/models/fmnist-blendnet.bsm --checkpoint-out bn.pt
  blendscope-train fmnist-blendnet --from-checkpoint bn.pt -o fmnist-blendnet.bsm   # no training
  blendscope-train --list

docs/training.md has the recipes and the figures of the bundled files.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

import numpy as np
import torch

from . import bsm, datasets, export, intref, models, train


def die(msg):
    print(f"blendscope-train: error: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="blendscope-train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("recipe", nargs="?", help="recipe name (--list shows them)")
    p.add_argument("-o", "--output", help="the .bsm to write")
    p.add_argument("--list", action="store_true", help="list the recipes and exit")
    p.add_argument("--epochs", type=int, help="override the recipe's epochs")
    p.add_argument("--seed", type=int, help="override the recipe's seed")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (default 1: on a shared machine a second thread mostly spins)")
    p.add_argument("--checkpoint-out", help="save the trained float model (arch, options, state_dict)")
    p.add_argument("--from-checkpoint", help="skip training: export and measure this checkpoint")
    p.add_argument("--stopped-after", type=int, metavar="N",
                   help="with --from-checkpoint: the checkpoint is a safety copy (.partial) taken "
                        "after epoch N of the recipe's schedule; [provenance] says so")
    p.add_argument("--train-cpu-seconds", type=float, metavar="S",
                   help="with --from-checkpoint: the training's CPU time, when the checkpoint "
                        "does not record it (from the training log)")
    p.add_argument("--bn-recalib", type=int, default=2048, metavar="N",
                   help="re-estimate the BatchNorm statistics on N training images after "
                        "training (0: keep the running averages)")
    p.add_argument("--calib-count", type=int, default=512, help="training images for calibration")
    p.add_argument("--train-limit", type=int, help="train on the first N training images only")
    p.add_argument("--test-limit", type=int, help="measure on the first N test images only")
    p.add_argument("--oracle-limit", type=int, metavar="N",
                   help="run the integer oracle (slow) on the first N test images only")
    p.add_argument("--cli", help="blendscope-cli with the eval command: measure the integer "
                                 "accuracy with it (else the integer oracle intref.py)")
    p.add_argument("--log", help="also append progress lines to this file")
    return p.parse_args(argv)


def make_logger(path):
    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        if path:
            with open(path, "a") as f:
                f.write(line + "\n")
    return log


def load_trained(recipe, path):
    try:
        ck = torch.load(path, map_location="cpu")
        net = models.build(ck["arch"], name=recipe.name or None, **ck["options"])
        net.load_state_dict(ck["state_dict"])
    except Exception as e:  # noqa: BLE001 - report any unpickling/shape problem plainly
        die(f"{path}: cannot load the checkpoint ({e})")
    net.eval()
    return net, ck.get("train_figures", {})


def cli_eval(cli, model_path, x, y, checkpoint=None):
    """The JSON report of `blendscope-cli eval` on the images (.npy files in a temp dir)."""
    with tempfile.TemporaryDirectory() as d:
        xi, yi = os.path.join(d, "images.npy"), os.path.join(d, "labels.npy")
        np.save(xi, x)
        np.save(yi, y)
        cmd = [cli, "eval", model_path, "--images", xi, "--labels", yi, "--json"]
        if checkpoint:
            cmd += ["--checkpoint", checkpoint]
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        die(f"{cli} eval failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def cli_top1(report, n_images):
    """Correct top-1 count of a `blendscope-cli eval --json` report (images, top1_correct)."""
    try:
        n, hits = int(report["images"]), int(report["top1_correct"])
    except (KeyError, TypeError, ValueError):
        die("blendscope-cli eval --json gave no images / top1_correct figures")
    if n != n_images:
        die(f"blendscope-cli eval counted {n} images, {n_images} given")
    return hits


def measure_oracle(model, x, y, float_pred, limit, log):
    """Top-1 and int-vs-float agreement of the integer oracle on the first `limit` images."""
    n = len(y) if limit is None else min(limit, len(y))
    int_pred = intref.run_batched(model, x[:n], batch=250).numpy().argmax(1)
    hits = int(np.sum(int_pred == y[:n]))
    agree = 100.0 * float(np.mean(int_pred == float_pred[:n]))
    log(f"integer oracle on {n} test images: top-1 {100.0 * hits / n:.2f} % ({hits}/{n}), "
        f"int-vs-float agreement {agree:.2f} %")
    return {"n": n, "hits": hits, "top1": 100.0 * hits / n, "agree": agree}


def measure_cli(cli, model_path, x, y, checkpoint, oracle, log):
    """blendscope-cli eval on all images (with the float checkpoint: the agreement too);
    its count on the oracle's images must equal the oracle's. Returns provenance items."""
    rep = cli_eval(cli, model_path, x, y, checkpoint)
    hits = cli_top1(rep, len(y))
    backend = rep.get("backend", "?")
    log(f"blendscope-cli eval ({backend}): top-1 {100.0 * hits / len(y):.2f} % ({hits}/{len(y)})")
    check = rep if oracle["n"] == len(y) else cli_eval(cli, model_path, x[:oracle["n"]],
                                                          y[:oracle["n"]], None)
    if cli_top1(check, oracle["n"]) != oracle["hits"]:
        die(f"blendscope-cli eval ({cli_top1(check, oracle['n'])} correct) disagrees with the "
            f"integer oracle ({oracle['hits']} correct) on {oracle['n']} images")
    items = [("int_top1", f"{100.0 * hits / len(y):.2f} % (blendscope-cli eval, backend {backend}, "
                          f"{len(y)} test images; on {oracle['n']} of them the integer oracle "
                          f"intref.py counts the same)")]
    float_model = rep.get("float_model") or {}
    if checkpoint and "agree" in float_model:
        agree = 100.0 * int(float_model["agree"]) / len(y)
        log(f"blendscope-cli eval: int-vs-float agreement {agree:.2f} % "
            f"({float_model['agree']}/{len(y)})")
        items.append(("int_float_agreement",
                      f"{agree:.2f} % (blendscope-cli eval --checkpoint: top-1 class of the "
                      f"integer model equals the float PyTorch model's, {len(y)} test images)"))
    return items


def cpu_text(figures):
    cpu = figures.get("cpu_seconds")
    if cpu is None:
        return "not recorded in the checkpoint"
    return (f"{cpu:.0f} (process CPU time of the training, host clock; "
            f"{figures.get('threads', '?')} torch thread(s))")


def epochs_text(recipe, stopped_after, figures):
    done = stopped_after if stopped_after is not None else figures.get("epochs_done")
    if done is None or done == recipe.epochs:
        return str(recipe.epochs)
    return (f"{done} (stopped after epoch {done} of a {recipe.epochs}-epoch cosine schedule; "
            f"the float weights of that epoch)")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for name, r in train.RECIPES.items():
            print(f"{name}: {r.dataset}, seed {r.seed}: {train.describe(r)}")
        return 0
    if not args.recipe or not args.output:
        die("give a recipe and -o OUT.bsm (or --list)")
    if args.recipe not in train.RECIPES:
        die(f"unknown recipe {args.recipe!r} (known: {', '.join(train.RECIPES)})")
    recipe = train.with_epochs(train.RECIPES[args.recipe], args.epochs)
    if args.seed is not None:
        recipe = train.replace(recipe, seed=args.seed)
    torch.set_num_threads(max(1, args.threads))
    log = make_logger(args.log)
    try:
        xtr, ytr = datasets.load(recipe.dataset, "train")
        xte, yte = datasets.load(recipe.dataset, "test")
    except datasets.DatasetError as e:
        die(str(e))
    xtr, ytr = np.array(xtr[:args.train_limit]), np.array(ytr[:args.train_limit])
    xte, yte = xte[:args.test_limit], yte[:args.test_limit]

    if args.from_checkpoint:
        net, figures = load_trained(recipe, args.from_checkpoint)
        if args.train_cpu_seconds is not None:
            figures["cpu_seconds"] = args.train_cpu_seconds
            figures.setdefault("threads", args.threads)
        log(f"{args.recipe}: loaded {args.from_checkpoint}")
    else:
        log(f"{args.recipe}: {train.describe(recipe)}; {len(xtr)} training images, "
            f"{torch.get_num_threads()} thread(s)")
        def save_partial(epoch, net):  # a safety copy while a long recipe runs
            if args.checkpoint_out:
                ck = train.checkpoint(net, args.recipe, recipe)
                ck["epochs_done"] = epoch
                ck["train_figures"] = {"cpu_seconds": time.process_time(), "epochs_done": epoch,
                                       "threads": torch.get_num_threads()}
                torch.save(ck, args.checkpoint_out + ".partial")

        net, figures = train.train(recipe, xtr, ytr, log, save_partial)
        if args.checkpoint_out:
            ck = train.checkpoint(net, args.recipe, recipe)
            ck["train_figures"] = figures
            torch.save(ck, args.checkpoint_out)
            log(f"saved {args.checkpoint_out}")

    n_recalib = min(args.bn_recalib, len(xtr))
    if n_recalib > 0:
        train.recalibrate_bn(net, train.calibration_subset(xtr, n_recalib, recipe.seed + 2000))
        log(f"BatchNorm statistics re-estimated on {n_recalib} training images")
    float_pred = train.predict_float(net, xte)
    float_top1 = 100.0 * float(np.mean(float_pred == yte))
    log(f"float top-1 on {len(yte)} test images: {float_top1:.2f} %")

    calib = train.calibration_subset(xtr, args.calib_count, recipe.seed + 1000)
    res = export.export(net, calib, None, name=recipe.name or args.recipe,
                        labels=datasets.labels(recipe.dataset))
    for w in res.report["warnings"]:
        log(f"export warning: {w}")
    oracle = measure_oracle(res.model, xte, yte, float_pred, args.oracle_limit, log)

    prov = OrderedDict(res.model.provenance)
    prov.update([
        ("generator", "tools/blendscope-train"),
        ("dataset", f"{recipe.dataset} ({len(xtr)} training images; accuracy on "
                    f"{len(yte)} test images)"),
        ("recipe", f"{args.recipe}: {train.describe(recipe)}"),
        ("seed", str(recipe.seed)),
        ("epochs", epochs_text(recipe, args.stopped_after, figures)),
        ("calibration", f"max, {len(calib)} training images (seed {recipe.seed + 1000})"),
        ("batchnorm", f"running statistics re-estimated after training on {n_recalib} "
                      f"training images (seed {recipe.seed + 2000})" if n_recalib > 0
                      else "running averages of the training"),
        ("train_cpu_seconds", cpu_text(figures)),
        ("float_top1", f"{float_top1:.2f} % (PyTorch float model, {len(yte)} test images)"),
        ("int_top1", f"{oracle['top1']:.2f} % (integer oracle tools/blendtorch/intref.py, "
                     f"bit-exact with the C engines, on {oracle['n']} test images)"),
        ("int_float_agreement", f"{oracle['agree']:.2f} % (top-1 class of the integer model "
                                f"equals the float model's, {oracle['n']} test images)"),
    ])
    res.model.provenance = prov
    bsm.write(res.model, args.output)
    if args.cli:
        with tempfile.TemporaryDirectory(prefix="bs-train-") as d:
            ckpt = os.path.join(d, "exported-float.pt")  # the float model as exported
            torch.save(train.checkpoint(net, args.recipe, recipe), ckpt)
            prov.update(measure_cli(args.cli, args.output, xte, yte, ckpt, oracle, log))
        res.model.provenance = prov
        bsm.write(res.model, args.output)
    log(f"wrote {args.output}")
    return 0
