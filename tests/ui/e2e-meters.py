#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recordings with simulated meters, seen in the app.

Starts the real application as e2e.py does (Xvfb, a private D-Bus session bus, private
HOME and XDG folders) and records BlendNet-20 continuously with, in turn:

  * a simulated UM34C (tests/probes/meter-sim on a pseudo-terminal, 10 Hz);
  * a simulated PPK2 (the same simulator, 100 kSa/s);
  * the hwmon probe on a fake ZCU102 sysfs tree (three INA226 rails that the script moves,
    named by the rail map): several power channels, drawn overlaid with a legend.

After each it takes a screenshot of the live view and checks the database (the run
finished, with power samples at the meter's rate) and the picture (the power trace's
colour in the chart; for the rails, the second and third channel colours too). Every
meter here is simulated: nothing of this measures hardware.

Screenshots go to a temporary folder, and to --screenshots when BS_UPDATE_SCREENSHOTS=1.
Run by hand:  tests/ui/e2e-meters.py --app build/app/blendscope --meter-sim build/tests/probes/meter-sim
"""
import argparse
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (the D-Bus and screenshot helpers)

# The extra channel colours of ui/render/bs-power-chart-render.c (bs_power_chart_channel_color).
CHANNEL_COLOURS = [(0xd5, 0x5e, 0x00), (0xcc, 0x79, 0xa7)]


def make_zcu102(top):
    """A fake ZCU102: the compatible list, and VCCINT, VCCPSINTFP, VCCO_PSDDR_504."""
    dt = os.path.join(top, "firmware", "devicetree", "base")
    os.makedirs(dt)
    with open(os.path.join(dt, "compatible"), "wb") as f:
        f.write(b"xlnx,zynqmp-zcu102-rev1.0\0xlnx,zynqmp-zcu102\0xlnx,zynqmp\0")
    rails = []
    for entry, label in (("hwmon0", "ina226-u79"), ("hwmon1", "ina226-u76"), ("hwmon2", "ina226-u93")):
        d = os.path.join(top, "class", "hwmon", entry)
        os.makedirs(d)
        with open(os.path.join(d, "name"), "w") as f:
            f.write("ina226\n")
        with open(os.path.join(d, "label"), "w") as f:
            f.write(label + "\n")
        rails.append(os.path.join(d, "power1_input"))
    return os.path.join(top, "class", "hwmon"), rails


def drive_rails(rails, stop):
    """Moves the rails: PL 2.5 W ± 1 W, PS 1.2 W ± 0.3 W, DDR 0.6 W steady (µW files)."""
    t0 = time.monotonic()
    while not stop.is_set():
        t = time.monotonic() - t0
        values = (2.5 + math.sin(t * 2.0), 1.2 + 0.3 * math.sin(t * 0.7 + 1), 0.6)
        for path, w in zip(rails, values):
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % int(w * 1e6))
            os.rename(tmp, path)
        time.sleep(0.05)


def rows_with(shot, colour, region):
    """How many pixel rows of @region hold @colour: the trace's height on the screen."""
    x0, y0, x1, y1 = region
    return sum(1 for y in range(y0, y1) if shot.count(colour, tolerance=40, region=(x0, y, x1, y + 1)) > 0)


def record(name, spec, seconds, shots, db_path):
    """One continuous run with probe @spec; returns (screenshot, run row)."""
    e2e.activate(e2e.APP_PATH, "probe", "<'%s'>" % spec)
    e2e.activate(e2e.APP_PATH, "run")
    time.sleep(seconds)
    shot = e2e.screenshot(name, shots)
    e2e.activate(e2e.APP_PATH, "stop")
    e2e.wait_for("the %s run to end" % name, lambda: "(true," in e2e.describe(e2e.APP_PATH, "run"), 30)
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    try:
        row = db.execute("SELECT id, status, n_samples FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        channels = db.execute("SELECT name, quantity FROM channels WHERE run_id = ?", (row[0],)).fetchall()
    finally:
        db.close()
    e2e.log("%s: run %d %s, %d samples, channels %s" % (name, row[0], row[1], row[2], channels))
    return shot, row, channels


def inner(args):
    colours = e2e.palette()
    home = tempfile.mkdtemp(prefix="blendscope-meters-")
    shots = os.path.join(home, "screenshots")
    os.makedirs(shots)
    env = e2e.app_env(home)
    db_path = os.path.join(home, "data", "blendscope", "blendscope.db")
    app_log = open(os.path.join(home, "app.log"), "w")
    sims = []
    stop_rails = threading.Event()
    driver = None
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    chart = (40, 230, e2e.SCREEN[0] - 40, e2e.SCREEN[1] - 120)
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", e2e.APP_ID], check=True)
        e2e.wait_for("the window's actions", lambda: "'view'" in e2e.gdbus(
            "--object-path", e2e.APP_PATH + "/window/1", "--method", "org.gtk.Actions.List"), 20)
        e2e.set_state(e2e.APP_PATH, "theme", "<'light'>")
        e2e.activate(e2e.APP_PATH, "open-bundled", "<'blendnet20'>")
        e2e.set_state(e2e.APP_PATH, "record", "<true>")
        e2e.activate(e2e.APP_PATH, "mode", "<'continuous'>")
        e2e.activate(e2e.APP_PATH + "/window/1", "view", "<'live'>")

        results = {}
        for protocol, seconds, minimum in (("um34c", args.seconds, 5 * args.seconds),
                                           ("ppk2", args.seconds, 30000 * args.seconds)):
            link = os.path.join(home, protocol)
            sim = subprocess.Popen([args.meter_sim, "--protocol", protocol, "--link", link],
                                   stdout=app_log, stderr=subprocess.STDOUT)
            sims.append(sim)
            e2e.wait_for("the %s simulator's pty" % protocol, lambda: os.path.exists(link), 10)
            shot, row, channels = record("live-" + protocol, "%s:port=%s" % (protocol, link), seconds,
                                         shots, db_path)
            sim.terminate()
            sim.wait()
            if row[1] not in ("complete", "aborted"):
                e2e.fail("%s: the run ended %s" % (protocol, row[1]))
            if row[2] < minimum:
                e2e.fail("%s: %d samples in %.0f s, expected at least %d" % (protocol, row[2], seconds, minimum))
            trace = shot.count(colours["POWER_LIGHT"], tolerance=40, region=chart)
            e2e.log("%s: %d px of the power trace's colour in the chart" % (protocol, trace))
            if trace < 200:
                e2e.fail("%s: no power trace in the live chart" % protocol)
            # Its swing is drawn, not a flat line (a PPK2's milliwatts once were, at 0 W).
            height = rows_with(shot, colours["POWER_LIGHT"], (110, 400, e2e.SCREEN[0] - 40, 485))
            e2e.log("%s: the trace spans %d px rows" % (protocol, height))
            if height < 15:
                e2e.fail("%s: the power trace is flat in the chart (%d rows)" % (protocol, height))
            results[protocol] = row

        root, rails = make_zcu102(os.path.join(home, "zcu102"))
        driver = threading.Thread(target=drive_rails, args=(rails, stop_rails), daemon=True)
        driver.start()
        shot, row, channels = record("live-rails", "hwmon:root=%s:rate=20" % root, args.seconds, shots, db_path)
        names = [c[0] for c in channels if c[1] == "power"]
        for expected in ("PL/VCCINT/power1", "PS/VCCPSINTFP/power1", "DDR/VCCO_PSDDR_504/power1"):
            if expected not in names:
                e2e.fail("rails: no channel %s in %s" % (expected, names))
        for colour in [colours["POWER_LIGHT"]] + CHANNEL_COLOURS:
            n = shot.count(colour, tolerance=40, region=chart)
            e2e.log("rails: %d px of %s in the chart" % (n, "#%02x%02x%02x" % colour))
            if n < 100:
                e2e.fail("rails: a channel's colour #%02x%02x%02x is missing from the chart" % colour)
        if app.poll() is not None:
            e2e.fail("the app died")
    finally:
        stop_rails.set()
        for sim in sims:
            if sim.poll() is None:
                sim.kill()
                sim.wait()
        if app.poll() is None:
            app.terminate()
            try:
                app.wait(timeout=20)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        app_log.close()
    if os.environ.get("BS_UPDATE_SCREENSHOTS") == "1" and args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        for name in ("live-um34c", "live-ppk2", "live-rails"):
            shutil.copy(os.path.join(shots, name + ".png"), os.path.join(args.screenshots, name + ".png"))
        e2e.log("screenshots copied to", args.screenshots)
    e2e.log("screenshots in", shots)
    print("ok 1 - e2e-meters", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the blendscope executable")
    parser.add_argument("--meter-sim", required=True, help="tests/probes/meter-sim")
    parser.add_argument("--screenshots", help="where BS_UPDATE_SCREENSHOTS=1 copies the screenshots")
    parser.add_argument("--seconds", type=float, default=8, help="length of each recording (8)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print("1..1", flush=True)
        inner(args)
        return
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
               "-screen 0 %dx%dx24 -noreset" % e2e.SCREEN, sys.executable, os.path.abspath(__file__),
               "--inner", "--app", os.path.abspath(args.app), "--meter-sim", os.path.abspath(args.meter_sim),
               "--seconds", str(args.seconds)]
    if args.screenshots:
        command += ["--screenshots", args.screenshots]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
