#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The app classifies what it shows: end to end, under Xvfb, driven over org.gtk.Actions.

Starts the real application as e2e.py does (private bus, display, HOME and settings) with
no model chosen, so it opens its default: the trained Fashion-MNIST BlendNet when
data/models/fmnist-blendnet.bsm is bundled, else an untrained stand-in with the same file
name, input shape (1x28x28) and class names (model name "untrained-standin"), exported here
by tools/blendscope-export into a private models folder (the gallery beside it, as
installed). Then it checks

  * the default run classifies the gallery: the window's read-only "prediction" state names
    a class of the model, the ✓/✗ mark and the running top-1; the predicted class, its
    confidence and the top-1 count are those of the reference interpreter
    (blendscope-cli run --reference --logits-out), argmax, softmax with the model's
    logit_scale and the gallery's labels computed here with numpy;
  * an .npy with a wrong label beside it (NAME-labels.npy) is marked ✗ with the true
    class, the right label ✓;
  * a grayscale 28x28 PNG is classified as the reference interpreter classifies it;
  * an input of the wrong shape is a banner (the app's log) and the input stays;
  * the screenshots of the live view and of demo mode show the image tile and a mark
    in the mark colours (ui/render/bs-prediction-render.h).

BS_UPDATE_SCREENSHOTS=1 copies live-classify.png and demo-classify.png to docs/screenshots/.
Run by hand:  tests/ui/e2e-classify.py --app build/app/blendscope --cli build/app/blendscope-cli
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (the D-Bus helpers, screenshots, the app's environment)

SOURCE_ROOT = e2e.SOURCE_ROOT
GALLERY = os.path.join(SOURCE_ROOT, "data", "gallery", "fashion-mnist-test.npy")
GALLERY_LABELS = os.path.join(SOURCE_ROOT, "data", "gallery", "fashion-mnist-test-labels.npy")
FMNIST_CLASSES = "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"
WINDOW = e2e.APP_PATH + "/window/1"

sys.path.insert(0, os.path.join(SOURCE_ROOT, "tools"))
import numpy as np  # noqa: E402
from blendtorch import bsm  # noqa: E402  (reads the model's labels and logit_scale)


def skip(reason):
    print("ok 1 - e2e-classify # SKIP " + reason, flush=True)
    sys.exit(0)


def default_model(home):
    """(models folder for BLENDSCOPE_MODELS_DIR or None, path of the default model)."""
    bundled = os.path.join(SOURCE_ROOT, "data", "models", "fmnist-blendnet.bsm")
    if os.path.exists(bundled):
        e2e.log("default model: the bundled trained", bundled)
        return None, bundled
    share = os.path.join(home, "share")
    models = os.path.join(share, "models")
    os.makedirs(models)
    os.symlink(os.path.join(SOURCE_ROOT, "data", "gallery"), os.path.join(share, "gallery"))
    path = os.path.join(models, "fmnist-blendnet.bsm")
    result = subprocess.run(
        ["/usr/bin/python3", os.path.join(SOURCE_ROOT, "tools", "blendscope-export"), "blendnet20",
         "--random-init", "--seed", "3", "--in-channels", "1", "--input-size", "28",
         "--widths", "8,16,32", "--blocks", "1", "--calib", GALLERY, "--labels", FMNIST_CLASSES,
         "--name", "untrained-standin", "--description", "untrained stand-in (e2e-classify)",
         "-o", path], capture_output=True, text=True)
    if result.returncode != 0:
        if "No module named 'torch'" in result.stderr:
            skip("fmnist-blendnet.bsm is not bundled and PyTorch is missing to export a stand-in")
        e2e.fail("exporting the stand-in failed: " + result.stderr[-2000:])
    e2e.log("default model: an untrained stand-in (data/models/fmnist-blendnet.bsm not bundled yet)")
    return models, path


def reference_logits(cli, model, images, home):
    """Logits of every image by the reference interpreter, the oracle."""
    out = os.path.join(home, "ref-%d.npy" % len(os.listdir(home)))
    subprocess.run([cli, "run", "--reference", "-i", images, "--logits-out", out, model],
                   check=True, capture_output=True)
    return np.load(out).astype(np.float64)


def softmax_top(logits, scale):
    z = (logits - logits.max()) * scale
    p = np.exp(z) / np.exp(z).sum()
    return int(np.argmax(logits)), float(p.max())


def prediction():
    text = e2e.describe(WINDOW, "prediction")
    m = re.search(r"<'(.*)'>", text, re.S)
    return m.group(1) if m else text


def run_count(n):
    e2e.activate(e2e.APP_PATH, "mode", "<'count'>")
    e2e.activate(e2e.APP_PATH, "inferences", "<%d>" % n)
    # The reply comes after the run started: "run" is disabled until it ends.
    e2e.activate(e2e.APP_PATH, "run")
    e2e.wait_for("the run to end", lambda: "(true," in e2e.describe(e2e.APP_PATH, "run"), 60)
    time.sleep(0.6)  # the tile refresh (250 ms) after the last update
    return prediction()


def parse(summary):
    m = re.match(r"Predicted (.+?), (?:(\d+) % confident|confidence unknown[^;]*); "
                 r"(✓ correct|✗ wrong: true class (.+?)|true class unknown); "
                 r"(?:top-1 so far [\d.]+ % \((\d+) of (\d+) labelled inferences\)|top-1: no labelled images)"
                 r"; image (\d+) of (\d+)", summary)
    if not m:
        e2e.fail("the prediction state is not what the tile says: %r" % summary)
    g = m.groups()
    return {"cls": g[0], "conf": None if g[1] is None else int(g[1]), "mark": g[2], "truth": g[3],
            "correct": None if g[4] is None else int(g[4]), "labelled": None if g[5] is None else int(g[5]),
            "image": int(g[6]) - 1, "n_images": int(g[7])}


def check_default_gallery(cli, model_path, names, scale, home):
    ref = reference_logits(cli, model_path, GALLERY, home)
    labels = np.load(GALLERY_LABELS)
    n = len(labels)
    got = parse(run_count(n))
    e2e.log("gallery run:", got)
    if got["n_images"] != n:
        e2e.fail("the default input is not the %d-image gallery: %r" % (n, got))
    want_cls, want_conf = softmax_top(ref[got["image"]], scale if scale is not None else 1.0)
    if got["cls"] != names[want_cls]:
        e2e.fail("image %d: the app says %s, the reference interpreter %s"
                 % (got["image"], got["cls"], names[want_cls]))
    if scale is None and got["conf"] is not None:
        e2e.fail("a confidence of %d %% without a logit_scale to compute it" % got["conf"])
    if scale is not None and (got["conf"] is None or abs(got["conf"] - 100 * want_conf) > 0.5 + 1e-9):
        e2e.fail("image %d: confidence %s %%, softmax of the reference logits %.2f %%"
                 % (got["image"], got["conf"], 100 * want_conf))
    right = int((ref.argmax(axis=1) == labels).sum())
    if got["labelled"] != n or got["correct"] != right:
        e2e.fail("top-1: the app counts %s of %s, the reference interpreter %d of %d"
                 % (got["correct"], got["labelled"], right, n))
    e2e.log("gallery: %d of %d right (%.1f %%) as the reference interpreter; image %d: %s, %s %%"
            % (right, n, 100.0 * right / n, got["image"], got["cls"], got["conf"]))
    return ref


def check_marks(ref, names, home):
    one = os.path.join(home, "one.npy")
    np.save(one, np.load(GALLERY)[:1])
    cls = int(np.argmax(ref[0]))
    for label, want in (((cls + 1) % 10, "✗ wrong: true class " + names[(cls + 1) % 10]),
                        (cls, "✓ correct")):
        np.save(os.path.join(home, "one-labels.npy"), np.array([label], dtype=np.uint8))
        e2e.activate(e2e.APP_PATH, "open-input", "<'%s'>" % one)
        got = parse(run_count(4))
        if got["cls"] != names[cls] or got["mark"] != want:
            e2e.fail("one image labelled %s: want %s, the app says %r" % (names[label], want, got))
        e2e.log("label %s: %s" % (names[label], got["mark"]))
    return one


def check_png(names, ref, home, app_log):
    raw = os.path.join(home, "first.gray")
    png = os.path.join(home, "first.png")
    np.load(GALLERY)[0, 0].tofile(raw)
    subprocess.run(["convert", "-size", "28x28", "-depth", "8", "gray:" + raw, png], check=True)
    e2e.activate(e2e.APP_PATH, "open-input", "<'%s'>" % png)
    got = parse(run_count(2))
    if got["cls"] != names[int(np.argmax(ref[0]))] or got["mark"] != "true class unknown":
        e2e.fail("the PNG of image 0: %r" % got)
    e2e.log("grayscale PNG: %s, no label" % got["cls"])


def check_wrong_shape(home, app_log):
    bad = os.path.join(home, "rgb32.npy")
    np.save(bad, np.zeros((2, 3, 32, 32), dtype=np.uint8))
    before = prediction()
    e2e.activate(e2e.APP_PATH, "open-input", "<'%s'>" % bad)
    app_log.flush()
    e2e.wait_for("the banner for the wrong shape", lambda: re.search(
        r"Could not use these input images: \S*rgb32\.npy: want uint8 images of shape \(1, 28, 28\)",
        open(app_log.name).read()), 10)
    got = parse(run_count(2))
    if "first.png" not in prediction() or got["n_images"] != 1:
        e2e.fail("the input did not stay after a refused one: %r (before: %r)" % (prediction(), before))
    e2e.log("wrong shape: a banner, the PNG stays")


def check_screenshots(shots, args):
    colours = {}
    text = open(os.path.join(SOURCE_ROOT, "ui", "render", "bs-prediction-render.h")).read()
    for name, value in re.findall(r"#define BS_PREDICTION_(\w+)\s+0x([0-9a-fA-F]{6})", text):
        colours[name] = tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    e2e.activate(e2e.APP_PATH, "use-gallery")
    e2e.activate(e2e.APP_PATH, "mode", "<'continuous'>")
    e2e.activate(e2e.APP_PATH, "run")
    time.sleep(3)
    images = {}
    images["live-classify"] = e2e.screenshot("live-classify", shots)
    e2e.set_state(WINDOW, "demo", "<true>")
    time.sleep(2)
    images["demo-classify"] = e2e.screenshot("demo-classify", shots)
    e2e.set_state(WINDOW, "demo", "<false>")
    e2e.activate(e2e.APP_PATH, "stop")
    e2e.wait_for("the run to stop", lambda: "(true," in e2e.describe(e2e.APP_PATH, "run"), 30)
    for name, theme in (("live-classify", "LIGHT"), ("demo-classify", "DEMO")):
        marks = sum(images[name].count(colours[k + "_" + theme], tolerance=30) for k in ("CORRECT", "WRONG"))
        e2e.log("%s: %d pixels of the mark colours" % (name, marks))
        if marks < 40:
            e2e.fail("%s shows no ✓/✗ mark in its colours" % name)
    if os.environ.get("BS_UPDATE_SCREENSHOTS") == "1" and args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        for name in images:
            shutil.copy(os.path.join(shots, name + ".png"), os.path.join(args.screenshots, name + ".png"))
        e2e.log("screenshots copied to", args.screenshots)


def inner(args):
    home = tempfile.mkdtemp(prefix="blendscope-classify-")
    shots = os.path.join(home, "screenshots")
    os.makedirs(shots)
    models_dir, model_path = default_model(home)
    model = bsm.read(model_path)
    names = list(model.labels)
    scale = float(model.provenance["logit_scale"]) if "logit_scale" in model.provenance else None
    if scale is None:
        e2e.log("%s records no logit_scale: the app must say 'confidence unknown'" % model_path)
    env = e2e.app_env(home)
    if models_dir is not None:
        env["BLENDSCOPE_MODELS_DIR"] = models_dir
    app_log = open(os.path.join(home, "app.log"), "w")
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", e2e.APP_ID], check=True)
        e2e.wait_for("the window's actions", lambda: "'prediction'" in e2e.gdbus(
            "--object-path", WINDOW, "--method", "org.gtk.Actions.List"), 20)
        # The window title names the model; the run below checks the class names too.
        if shutil.which("xdotool"):
            title = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "blendscope",
                                    "getwindowname"], capture_output=True, text=True).stdout
            if model.name not in title:
                e2e.fail("the app did not start on the default model %s: window %r" % (model.name, title))
        else:
            e2e.log("no xdotool: the window title is not checked")
        e2e.activate(WINDOW, "view", "<'live'>")
        ref = check_default_gallery(args.cli, model_path, names, scale, home)
        check_marks(ref, names, home)
        check_png(names, ref, home, app_log)
        check_wrong_shape(home, app_log)
        check_screenshots(shots, args)
        if app.poll() is not None:
            e2e.fail("the app died")
        # Quit must end the app cleanly (under --setup sanitize: no leak, no error report).
        e2e.activate(e2e.APP_PATH, "quit")
        try:
            code = app.wait(timeout=60)
        except subprocess.TimeoutExpired:
            e2e.fail("the app did not quit within 60 s")
        if code != 0:
            app_log.flush()
            e2e.fail("the app exited with %d; log: %s" % (code, open(app_log.name).read()[-3000:]))
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        app_log.close()
    e2e.log("screenshots in", shots)
    print("ok 1 - e2e-classify", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the blendscope executable")
    parser.add_argument("--cli", required=True, help="blendscope-cli (the reference interpreter)")
    parser.add_argument("--screenshots", help="where BS_UPDATE_SCREENSHOTS=1 copies the screenshots")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print("1..1", flush=True)
        inner(args)
        return
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
               "-screen 0 %dx%dx24 -noreset" % e2e.SCREEN, sys.executable,
               os.path.abspath(__file__), "--inner", "--app", os.path.abspath(args.app),
               "--cli", os.path.abspath(args.cli)]
    if args.screenshots:
        command += ["--screenshots", args.screenshots]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
