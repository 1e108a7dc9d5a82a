#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end test of accuracy as a figure of a run in the workbench.

Records three evaluations with blendscope-cli (`eval --session --probe synthetic`: the
bundled trained Fashion-MNIST BlendNet, all-binary and all-int8 ResNets on the first
IMAGES test images of Debian's dataset-fashion-mnist), then starts the real application under Xvfb on a private D-Bus session bus (as
e2e.py does, whose helpers it uses) and drives it over org.gtk.Actions:

  * app.compare with the three runs: the Compare view's summary (win.compare-summary)
    carries each run's top-1, latency and energy per image equal to the database read
    independently with sqlite3 (run_evaluations, run_summaries), and its Pareto flags
    equal the front computed here; the screenshot has the run colours of the dots;
  * the Sessions view lists the runs (screenshot);
  * win.export-chart 'pareto' writes a PNG.

Power is SIMULATED (the synthetic probe); accuracy and latency are measured. The test
checks that the views show what was stored; docs/training.md has the models' accuracy on
all 10 000 test images.
BS_UPDATE_SCREENSHOTS=1 copies compare-accuracy.png to docs/screenshots/.
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import APP_PATH, SCREEN, SOURCE_ROOT, activate, describe, fail, log, screenshot, wait_for  # noqa: E402

from importlib import import_module  # noqa: E402

MODELS = ("fmnist-blendnet", "fmnist-resnet-bnn", "fmnist-resnet-int8")
IMAGES = 1000


def evaluate(cli, home, db_path):
    for model in MODELS:
        p = subprocess.run([cli, "eval", os.path.join(SOURCE_ROOT, "data", "models", model + ".bsm"),
                            "--dataset", "fashion-mnist", "--limit", str(IMAGES), "--session", "accuracy",
                            "--db", db_path, "--probe", "synthetic:rate=1000"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail("eval %s: %s" % (model, p.stderr))
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        return db.execute(
            "SELECT r.id, e.top1_correct * 1.0 / e.n_images, s.latency_median_ns, "
            "s.energy_per_inference_j FROM runs r JOIN run_evaluations e ON e.run_id = r.id "
            "JOIN run_summaries s ON s.run_id = r.id ORDER BY r.id").fetchall()
    finally:
        db.close()


def front(points, cost):
    """Runs no other run beats: at least as accurate and as cheap, better in one."""
    out = []
    for i, a in enumerate(points):
        beaten = any(b[1] >= a[1] and b[cost] <= a[cost] and (b[1] > a[1] or b[cost] < a[cost])
                     for j, b in enumerate(points) if j != i)
        out.append(not beaten)
    return out


def inner(args):
    home = tempfile.mkdtemp(prefix="blendscope-e2e-accuracy-")
    shots = os.path.join(home, "screenshots")
    os.makedirs(shots)
    env = e2e.app_env(home)
    db_path = os.path.join(home, "data", "blendscope", "blendscope.db")
    os.makedirs(os.path.dirname(db_path))
    stored = evaluate(args.cli, home, db_path)
    log("stored (run, top-1, latency ns, energy J):", stored)
    app_log = open(os.path.join(home, "app.log"), "w")
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    window = APP_PATH + "/window/1"
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", e2e.APP_ID], check=True)
        wait_for("the window's actions", lambda: "'compare-summary'" in e2e.gdbus(
            "--object-path", window, "--method", "org.gtk.Actions.List"), 20)
        ids = [row[0] for row in stored]
        activate(APP_PATH, "compare", "<[%s]>" % ", ".join("'%d'" % i for i in ids))
        if "'compare'" not in describe(window, "view"):
            fail("app.compare did not show the compare view")
        # Read off the main thread: the summary follows once the runs are shown.
        state_string = import_module("e2e-compare").state_string
        summary = wait_for("the compared runs in the summary", lambda: (
            lambda s: s if s.get("runs") == ids else None)(
                json.loads(state_string(window, "compare-summary") or "{}")), 20)
        shown = summary.get("accuracy")
        if shown is None or len(shown) != len(stored):
            fail("compare summary has no accuracy for %d runs: %r" % (len(stored), summary.keys()))
        for row, s in zip(stored, shown):
            for got, want, what in ((s["top1"], row[1], "top-1"), (s["latency_s"], row[2] / 1e9, "latency"),
                                    (s["energy_j"], row[3], "energy")):
                if abs(got - want) > 1e-9 * max(1.0, abs(want)):
                    fail("run %d: %s shown %r, stored %r" % (row[0], what, got, want))
        want_lat = front([(r[0], r[1], r[2]) for r in stored], 2)
        want_energy = front([(r[0], r[1], r[3]) for r in stored], 2)
        if [s["pareto_latency"] for s in shown] != want_lat or [s["pareto_energy"] for s in shown] != want_energy:
            fail("Pareto front shown %r / %r, computed here %r / %r" % (
                [s["pareto_latency"] for s in shown], [s["pareto_energy"] for s in shown], want_lat, want_energy))
        time.sleep(1)
        compare = screenshot("compare-accuracy", shots)
        colours = import_module("e2e-compare").run_colours()
        for i in range(len(stored)):
            if compare.count(colours[i]) < 30:
                fail("run colour %d not in the compare screenshot" % i)
        png = os.path.join(home, "pareto.png")
        activate(window, "export-chart", "<('pareto', '%s')>" % png)
        wait_for("the exported pareto.png", lambda: os.path.getsize(png) > 1000, 20)
        activate(window, "view", "<'sessions'>")
        time.sleep(1)
        screenshot("sessions-accuracy", shots)
    finally:
        app.terminate()
        app.wait(20)
    if os.environ.get("BS_UPDATE_SCREENSHOTS") == "1" and args.screenshots:
        shutil.copy(os.path.join(shots, "compare-accuracy.png"),
                    os.path.join(args.screenshots, "compare-accuracy.png"))
    log("screenshots in", shots)
    print("ok 1 - e2e-accuracy", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the blendscope executable")
    parser.add_argument("--cli", required=True, help="blendscope-cli")
    parser.add_argument("--screenshots", help="where BS_UPDATE_SCREENSHOTS=1 copies the screenshot")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print("1..1", flush=True)
        inner(args)
        return
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
               "-screen 0 %dx%dx24 -noreset" % SCREEN, sys.executable, os.path.abspath(__file__),
               "--inner", "--app", os.path.abspath(args.app), "--cli", os.path.abspath(args.cli)]
    if args.screenshots:
        command += ["--screenshots", args.screenshots]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
