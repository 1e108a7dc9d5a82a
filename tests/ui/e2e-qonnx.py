#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end: the workbench opens QONNX files (docs/import.md).

Starts the real application under Xvfb on a private D-Bus session bus (e2e.py's helpers)
and, over org.gtk.Actions:

  * app.open-model with a QONNX BlendNet built in code (tests/tools/qonnx_graphs.py): the
    app runs tools/blendscope-import, says so in its banner (screenshot), and the imported
    model then runs like any other: a recorded run whose layers in the session database
    carry both binary and fixed-point precision, and the Layers view shows both colours;
  * app.open-model with a QONNX file the importer refuses (a dilated conv): the reason
    (node, op, why) is in the app's message, and the app lives on.

BS_UPDATE_SCREENSHOTS=1 copies qonnx-import.png and qonnx-layers.png to docs/screenshots/.
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import e2e  # noqa: E402
from e2e import APP_PATH, SCREEN, activate, fail, log, screenshot, set_state, wait_for  # noqa: E402


def write_models(home):
    import onnx
    from onnx import helper
    import qonnx_graphs as G
    good = os.path.join(home, "qonnx-blendnet.onnx")
    model, _ = G.blendnet20(blocks=2)
    onnx.save(model, good)
    bad = os.path.join(home, "dilated.onnx")
    broken, _ = G.blend_net()
    conv = next(n for n in broken.graph.node if n.op_type == "Conv")
    conv.attribute.append(helper.make_attribute("dilations", [2, 2]))
    onnx.save(broken, bad)
    return good, bad, conv.name


def run_layers(db_path):
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    try:
        run = db.execute("SELECT id FROM runs WHERE status != 'running' ORDER BY id DESC LIMIT 1").fetchone()
        if run is None:
            return None
        return db.execute("SELECT SUM(precision = 'binary'), SUM(precision = 'fixed'), COUNT(*) "
                          "FROM run_layers WHERE run_id = ?", run).fetchone()
    finally:
        db.close()


def inner(args):
    colours = e2e.palette()
    home = tempfile.mkdtemp(prefix="blendscope-e2e-qonnx-")
    shots = os.path.join(home, "screenshots")
    os.makedirs(shots)
    env = e2e.app_env(home)
    good, bad, bad_node = write_models(home)
    db_path = os.path.join(home, "data", "blendscope", "blendscope.db")
    imported = os.path.join(home, "cache", "blendscope", "imported", "qonnx-blendnet.bsm")
    app_log = open(os.path.join(home, "app.log"), "w")
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    window = e2e.APP_PATH + "/window/1"
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", e2e.APP_ID], check=True)
        wait_for("the window's actions", lambda: "'view'" in e2e.gdbus(
            "--object-path", window, "--method", "org.gtk.Actions.List"), 20)

        # A refused file: the reason in the message, the app goes on.
        activate(APP_PATH, "open-model", "<'%s'>" % bad)
        wait_for("the refusal", lambda: "Could not import the QONNX model" in open(app_log.name).read(), 120)
        text = open(app_log.name).read()
        if bad_node not in text or "dilation" not in text:
            fail("the refusal does not name the node and the reason: " + text[-1000:])
        log("refused with:", [l for l in text.splitlines() if "Could not import" in l][-1].strip())
        if app.poll() is not None:
            fail("the app died on a refused import")

        # The QONNX BlendNet: imported, shown, run, recorded.
        activate(APP_PATH, "open-model", "<'%s'>" % good)
        wait_for("the imported model in the cache", lambda: os.path.exists(imported), 180)
        time.sleep(1.5)
        banner = screenshot("qonnx-import", shots)
        if banner.distinct_colours() < 20:
            fail("the window after the import looks blank")
        set_state(APP_PATH, "record", "<true>")
        activate(APP_PATH, "mode", "<'continuous'>")
        activate(window, "view", "<'live'>")
        activate(APP_PATH, "run")
        time.sleep(4)
        activate(APP_PATH, "stop")
        row = wait_for("the run in the database", lambda: run_layers(db_path), 30)
        log("recorded run layers (binary, fixed, all):", row)
        if not row[0] or not row[1]:
            fail("the imported model's recorded layers lack binary or fixed-point precision: %s" % (row,))
        activate(window, "view", "<'layers'>")
        time.sleep(2)
        layers = screenshot("qonnx-layers", shots)
        nb, nf = layers.count(colours["BINARY_LIGHT"]), layers.count(colours["FIXED_LIGHT"])
        log("layers view: %d binary-coloured, %d fixed-coloured pixels" % (nb, nf))
        if nb < 50 or nf < 50:
            fail("the Layers view does not show both binary and fixed-point layers")
        try:
            activate(APP_PATH, "quit")
        except RuntimeError as error:
            if "NoReply" not in str(error):
                raise
        if app.wait(timeout=20) != 0:
            fail("the app exited with status %d" % app.returncode)
    finally:
        if app.poll() is None:
            app.kill()
        app_log.close()
    if os.environ.get("BS_UPDATE_SCREENSHOTS") == "1" and args.screenshots:
        for name in ("qonnx-import", "qonnx-layers"):
            shutil.copy(os.path.join(shots, name + ".png"), os.path.join(args.screenshots, name + ".png"))
    log("screenshots in", shots)
    print("ok 1 - e2e-qonnx", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True)
    parser.add_argument("--screenshots")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print("1..1", flush=True)
        inner(args)
        return
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 %dx%dx24 -noreset" % SCREEN,
               sys.executable, os.path.abspath(__file__), "--inner", "--app", os.path.abspath(args.app)]
    if args.screenshots:
        command += ["--screenshots", args.screenshots]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
