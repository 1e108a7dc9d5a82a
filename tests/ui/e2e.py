#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end test of the blendscope workbench.

Starts the real application under Xvfb on a private D-Bus session bus, with a private
HOME and XDG folders and the memory GSettings backend, and drives it the way a script
would: over org.gtk.Actions (open the bundled BlendNet-20, record a continuous run with
the demo meter, switch views, enter and leave demo mode, stop). Then it checks that

  * the run reached the session database: one finished run on the cpu backend with layer
    events, power samples, its op table and its summaries (queried with sqlite3);
  * the screenshots show the charts, not a blank window: enough variation, and pixels of
    the binary and fixed-point colours (and of the power trace) where the views draw them;
  * the UI kept answering during the run (D-Bus round trips) and kept drawing (the app's
    frame log: no gap of a second between frames);
  * bad input (a file that is not a model, a backend that does not exist) is reported,
    not fatal, and so is a CPU kernel set this CPU lacks.

Screenshots go to a temporary folder, and to docs/screenshots/ when
BS_UPDATE_SCREENSHOTS=1. Run by hand:  tests/ui/e2e.py --app build/app/blendscope [--run-seconds 300]
"""
import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

APP_ID = "org.blendscope.Blendscope"
APP_PATH = "/org/blendscope/Blendscope"
SCREEN = (1280, 800)        # --screen changes it (e.g. 1024x768, a projector)
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(*args):
    print("#", *args, flush=True)


def fail(message):
    print("not ok 1 - e2e:", message, flush=True)
    sys.exit(1)


def missing_kernel_set():
    """A CPU kernel set this CPU cannot run (from /proc/cpuinfo), or None."""
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    if not {"avx2", "fma", "bmi2"} <= flags:
        return "avx2"
    if not {"avx512f", "avx512bw", "avx512vl", "avx512_vpopcntdq", "avx512_vnni"} <= flags:
        return "avx512"
    return None


def palette():
    """The renderers' colours, read from the one place they are defined."""
    text = open(os.path.join(SOURCE_ROOT, "ui", "render", "bs-chart-style.c")).read()
    colours = {}
    for name, value in re.findall(r"#define (\w+)\s+0x([0-9a-fA-F]{6})", text):
        colours[name] = tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    for needed in ("BINARY_LIGHT", "FIXED_LIGHT", "POWER_LIGHT", "BINARY_DEMO", "FIXED_DEMO",
                   "POWER_DEMO"):
        if needed not in colours:
            fail("colour %s not found in ui/render/bs-chart-style.c" % needed)
    return colours


def modelled_caption_colour():
    """The colour the tiles say MODELLED in, read from ui/bs-style.css."""
    css = open(os.path.join(SOURCE_ROOT, "ui", "bs-style.css")).read()
    found = re.search(r"^tile\.modelled \.tile-caption \{\s*color: #([0-9a-fA-F]{6})", css, re.M)
    if found is None:
        fail("tile.modelled caption colour not found in ui/bs-style.css")
    return tuple(int(found.group(1)[i:i + 2], 16) for i in (0, 2, 4))


class Image:
    """An RGB screenshot, decoded by ImageMagick (no Python imaging library needed)."""

    def __init__(self, path):
        self.path = path
        size = subprocess.run(["identify", "-format", "%w %h", path], check=True,
                              capture_output=True, text=True).stdout.split()
        self.width, self.height = int(size[0]), int(size[1])
        self.data = subprocess.run(["convert", path, "-depth", "8", "rgb:-"], check=True,
                                   capture_output=True).stdout

    def count(self, colour, tolerance=24, region=None):
        x0, y0, x1, y1 = region or (0, 0, self.width, self.height)
        r, g, b = colour
        n = 0
        for y in range(y0, y1):
            row = self.data[(y * self.width + x0) * 3:(y * self.width + x1) * 3]
            for i in range(0, len(row), 3):
                if abs(row[i] - r) + abs(row[i + 1] - g) + abs(row[i + 2] - b) <= tolerance:
                    n += 1
        return n

    def distinct_colours(self):
        step = 7  # a sample is enough to tell a drawn view from a blank one
        seen = set()
        for i in range(0, len(self.data) - 2, 3 * step):
            seen.add(self.data[i:i + 3])
        return len(seen)

    def mean_luminance(self, region):
        x0, y0, x1, y1 = region
        total, n = 0, 0
        for y in range(y0, y1, 3):
            row = self.data[(y * self.width + x0) * 3:(y * self.width + x1) * 3]
            for i in range(0, len(row) - 2, 9):
                total += (row[i] * 299 + row[i + 1] * 587 + row[i + 2] * 114) / 1000
                n += 1
        return total / n

    def luminance_stddev(self):
        step = 5
        values = [(self.data[i] * 299 + self.data[i + 1] * 587 + self.data[i + 2] * 114) / 1000
                  for i in range(0, len(self.data) - 2, 3 * step)]
        mean = sum(values) / len(values)
        return (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5


def gdbus(*args, timeout=20):
    result = subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID] + list(args),
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError("gdbus %s: %s" % (" ".join(args), result.stderr.strip()))
    return result.stdout.strip()


def activate(path, action, parameter=None):
    params = "[%s]" % parameter if parameter is not None else "[]"
    return gdbus("--object-path", path, "--method", "org.gtk.Actions.Activate", action, params, "{}")


def set_state(path, action, value):
    return gdbus("--object-path", path, "--method", "org.gtk.Actions.SetState", action, value, "{}")


def describe(path, action):
    return gdbus("--object-path", path, "--method", "org.gtk.Actions.Describe", action)


def wait_for(what, predicate, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = predicate()
            if value:
                return value
        except Exception:  # the app or the database may not be there yet
            pass
        time.sleep(0.25)
    fail("timed out waiting for " + what)


def screenshot(name, folder):
    path = os.path.join(folder, name + ".png")
    # The pointer out of the way: no tooltip in the picture.
    if shutil.which("xdotool"):
        subprocess.run(["xdotool", "mousemove", str(SCREEN[0] - 1), str(SCREEN[1] - 1)], check=False)
        time.sleep(0.3)
    subprocess.run(["import", "-window", "root", path], check=True)
    return Image(path)


def window_size():
    """(width, height) of the app's main window, from the X server's window tree."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                          check=True).stdout
    for line in tree.splitlines():
        m = re.search(r'"[^"]* – blendscope": .*?\)\s+(\d+)x(\d+)\+', line)
        if m:
            return int(m.group(1)), int(m.group(2))
    fail("no blendscope window in the X window tree")


def query_db(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        runs = db.execute("SELECT id, status, backend, n_events, n_samples, duration_ns, device "
                          "FROM runs ORDER BY id").fetchall()
        out = {"runs": runs}
        if runs:
            run = runs[-1][0]
            out["layers"] = db.execute("SELECT COUNT(*), SUM(precision = 'binary'), "
                                       "SUM(precision = 'fixed') FROM run_layers WHERE run_id = ?",
                                       (run,)).fetchone()
            out["event_chunks"] = db.execute("SELECT COUNT(*) FROM event_chunks WHERE run_id = ?",
                                             (run,)).fetchone()[0]
            out["power_channels"] = db.execute("SELECT COUNT(*) FROM channels WHERE run_id = ? "
                                               "AND quantity = 'power'", (run,)).fetchone()[0]
            out["summary"] = db.execute("SELECT n_inferences, latency_median_ns, has_power "
                                        "FROM run_summaries WHERE run_id = ?", (run,)).fetchone()
        return out
    finally:
        db.close()


def app_env(home):
    """The app's environment in a test: a private HOME and XDG folders under home, the
    memory GSettings backend, no accessibility bus. Xvfb has no GPU: GL would be
    llvmpipe, software rendering no user runs, at a frame rate that measures the machine
    rather than the app, so the cairo renderer (GSK_RENDERER=gl overrides)."""
    env = dict(os.environ)
    env.update({
        "HOME": home,
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "XDG_STATE_HOME": os.path.join(home, "state"),
        "GSETTINGS_BACKEND": "memory",
        "NO_AT_BRIDGE": "1",
        "GTK_A11Y": "none",
    })
    env.setdefault("GSK_RENDERER", "cairo")
    return env


def inner(args):
    colours = palette()
    home = tempfile.mkdtemp(prefix="blendscope-e2e-")
    shots = os.path.join(home, "screenshots")
    os.makedirs(shots)
    env = app_env(home)
    env["BLENDSCOPE_FRAME_LOG"] = os.path.join(home, "frames.log")
    db_path = os.path.join(home, "data", "blendscope", "blendscope.db")
    app_log = open(os.path.join(home, "app.log"), "w")
    log("app", args.app, "home", home)
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    window = APP_PATH + "/window/1"
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", APP_ID], check=True)
        wait_for("the window's actions", lambda: "'view'" in gdbus(
            "--object-path", window, "--method", "org.gtk.Actions.List"), 20)

        # The whole window fits the screen: no control beyond its edge (a projector is
        # 1024x768). Without a window manager the window gets its default size, grown to
        # its minimum where that is larger.
        size = window_size()
        log("window %dx%d on a %dx%d screen" % (size + SCREEN))
        if size[0] > SCREEN[0] or size[1] > SCREEN[1]:
            fail("the window needs %dx%d, more than the %dx%d screen" % (size + SCREEN))

        # The demo meter is the default; say which one this build has.
        probe = describe(APP_PATH, "probe")
        log("probe action:", probe)
        if "demo" not in probe and "synthetic" not in probe:
            fail("the default probe is not the demo meter: " + probe)

        # Bad input never takes the app down: a file that is not a model, a backend that
        # does not exist. Each is a message; the app goes on answering.
        bogus = os.path.join(home, "not-a-model.bsm")
        with open(bogus, "w") as f:
            f.write("this is not a model\n")
        activate(APP_PATH, "open-bundled", "<'blendnet20'>")
        activate(APP_PATH, "open-model", "<'%s'>" % bogus)
        activate(APP_PATH, "backend", "<'no-such-backend'>")
        activate(APP_PATH, "run")
        wait_for("the failed start to end", lambda: "(true," in describe(APP_PATH, "run"), 20)
        # A CPU kernel set this CPU lacks: a clear error naming the missing instructions.
        lacking = missing_kernel_set()
        if lacking:
            activate(APP_PATH, "backend", "<'cpu:isa=%s'>" % lacking)
            activate(APP_PATH, "run")
            wait_for("the refused kernel set to end the start",
                     lambda: "(true," in describe(APP_PATH, "run"), 20)
            app_log.flush()
            text = open(app_log.name).read()
            if "isa %s: this CPU lacks" % lacking not in text:
                fail("no error naming the missing instructions for isa=%s; app log: %s" % (lacking, text[-2000:]))
            log("isa=%s refused with a message, the app goes on" % lacking)
        else:
            log("this CPU has every kernel set: the refusal of a missing one is not tested here")
        # The failed start's banner is about the backend: choosing another one clears it.
        wait_for("the failed start's banner", lambda: "<''>" not in describe(window, "banner"), 20)
        log("banner after the failed start:", describe(window, "banner"))
        activate(APP_PATH, "backend", "<'%s'>" % args.backend)
        wait_for("the stale banner to go", lambda: "<''>" in describe(window, "banner"), 10)
        if app.poll() is not None:
            fail("the app died on bad input")

        set_state(APP_PATH, "theme", "<'%s'>" % args.theme)
        activate(APP_PATH, "open-bundled", "<'blendnet20'>")
        set_state(APP_PATH, "record", "<true>")
        activate(APP_PATH, "mode", "<'continuous'>")
        activate(window, "view", "<'live'>")
        activate(APP_PATH, "run")
        started = time.monotonic()

        # While it runs, the UI answers promptly.
        worst = 0.0
        while time.monotonic() - started < args.run_seconds:
            t = time.monotonic()
            describe(APP_PATH, "run")
            worst = max(worst, time.monotonic() - t)
            time.sleep(0.2)
        log("slowest D-Bus round trip during the run: %.0f ms" % (worst * 1000))
        if worst > 1.0:
            fail("the UI took %.2f s to answer during the run" % worst)

        # Zoomed in while following: a 15 s window at the live edge.
        activate(window, "zoom-in")
        time.sleep(1)
        live = screenshot("live", shots)
        # Modelled timings (csim) say so on the tiles, measured ones never do.
        modelled_px = live.count(modelled_caption_colour(), tolerance=30, region=(0, 90, SCREEN[0], 220))
        log("tile captions in the modelled colour: %d px" % modelled_px)
        # The charts follow the colour scheme: the power chart's plot area, light or dark.
        # Below the tiles: the prediction, the power chart, the timeline.
        plot = live.mean_luminance((40, 230, SCREEN[0] - 40, SCREEN[1] - 120))
        log("charts below the tiles, mean luminance: %.0f (%s scheme)" % (plot, args.theme))
        if args.theme == "dark" and plot > 90:
            fail("the charts stay light under the dark scheme (luminance %.0f)" % plot)
        if args.theme == "light" and plot < 180:
            fail("the charts are dark under the light scheme (luminance %.0f)" % plot)
        if args.backend.startswith("csim") and modelled_px < 50:
            fail("csim's tiles do not say their figures are modelled")
        if not args.backend.startswith("csim") and modelled_px > 0:
            fail("measured tiles are labelled in the modelled colour")
        activate(window, "view", "<'layers'>")
        time.sleep(2)
        layers = screenshot("layers", shots)
        activate(window, "metric", "<'ops'>")
        time.sleep(1)
        layers_ops = screenshot("layers-ops", shots)
        activate(window, "metric", "<'time'>")
        activate(window, "view", "<'live'>")
        set_state(window, "demo", "<true>")
        time.sleep(3)
        demo = screenshot("demo", shots)
        set_state(window, "demo", "<false>")
        time.sleep(1)
        activate(APP_PATH, "stop")

        result = wait_for("the run to be finished in the database",
                          lambda: (lambda r: r if r["runs"] and r["runs"][-1][1] != "running"
                                   and r.get("summary") else None)(query_db(db_path)), 30)
        time.sleep(0.5)
        after = screenshot("live-stopped", shots)
        # A run that cannot start keeps the last good run on screen, and says why.
        activate(APP_PATH, "backend", "<'no-such-backend'>")
        activate(APP_PATH, "run")
        wait_for("the failed start's banner", lambda: "<''>" not in describe(window, "banner"), 20)
        wait_for("the failed start to end", lambda: "(true," in describe(APP_PATH, "run"), 20)
        time.sleep(0.5)
        kept = screenshot("live-failed-start", shots)
        activate(APP_PATH, "backend", "<'%s'>" % args.backend)
        # One inference, its layers one by one.
        activate(window, "zoom-inference")
        time.sleep(1)
        zoomed = screenshot("live-inference", shots)
        try:
            activate(APP_PATH, "quit")
        except RuntimeError as error:  # the app may exit before it replies
            if "NoReply" not in str(error):
                raise
        if app.wait(timeout=20) != 0:
            fail("the app exited with status %d" % app.returncode)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        app_log.close()

    # ---- the database ----
    log("runs:", result["runs"])
    run_id, status, backend, n_events, n_samples, duration, device = result["runs"][-1]
    if len(result["runs"]) != 1:
        fail("expected one run, found %d" % len(result["runs"]))
    if status != "complete":
        fail("a continuous run stopped by the user is complete, not %s" % status)
    if backend != args.backend:
        fail("backend %r" % backend)
    if n_events < 1000 or result["event_chunks"] < 1:
        fail("too few layer events recorded: %d" % n_events)
    if n_samples < 20 or result["power_channels"] < 1:
        fail("too few power samples recorded: %d (channels %d)" % (n_samples, result["power_channels"]))
    if "simulated" not in (device or ""):
        fail("the run does not say its power was simulated: device %r" % device)
    n_layers, n_binary, n_fixed = result["layers"]
    if n_layers < 10 or not n_binary or not n_fixed:
        fail("the op table is wrong: %r" % (result["layers"],))
    n_inferences, latency, has_power = result["summary"]
    log("recorded run %d: %d inferences, %d events, %d samples, latency %.0f us, %.1f s"
        % (run_id, n_inferences, n_events, n_samples, latency / 1e3, duration / 1e9))
    # Enough inferences for the summary's percentiles. csim simulates the kernel on the
    # host, several times slower under ASan: 10 there (measured 18-19 in 20 s at load 13).
    least = 10 if args.backend.startswith("csim") else 50
    if n_inferences < least or not has_power:
        fail("summaries: %r" % (result["summary"],))

    # ---- the pixels ----
    def check(image, name, needs, minimum_colours=200, minimum_stddev=20):
        distinct = image.distinct_colours()
        stddev = image.luminance_stddev()
        found = {key: image.count(colours[key], region=region) for key, region in needs}
        log("%s: %d colours, luminance sd %.1f, %s" % (name, distinct, stddev,
                                                      ", ".join("%s %d px" % kv for kv in found.items())))
        if distinct < minimum_colours or stddev < minimum_stddev:
            fail("%s looks blank (%d colours, sd %.1f)" % (name, distinct, stddev))
        # 300 px at 1280x800; the charts shrink with the screen.
        least = int(300 * SCREEN[0] * SCREEN[1] / (1280 * 800))
        for key, n in found.items():
            if n < least:
                fail("%s: only %d pixels of %s" % (name, n, key))

    w, h = live.width, live.height
    # The charts' ink: under the dark scheme they use the demo's lighter hues.
    ink = "DEMO" if args.theme == "dark" else "LIGHT"
    binary, fixed, power = "BINARY_" + ink, "FIXED_" + ink, "POWER_" + ink
    # Live: the timeline (lower half) in both precision colours, the power trace above it.
    check(live, "live", [(binary, (0, h // 2, w, h)), (fixed, (0, h // 2, w, h)),
                         (power, (0, h // 4, w, h * 3 // 5))])
    # Layers: the breakdown's stacked bars and the table's chips.
    check(layers, "layers", [(binary, (0, 0, w, h)), (fixed, (0, 0, w, h))])
    check(layers_ops, "layers (ops)", [(binary, (0, 0, w, h)), (fixed, (0, 0, w, h))])
    # Demo: black, with the bright trace.
    check(demo, "demo", [("POWER_DEMO", (0, h // 3, w, h))], minimum_colours=30, minimum_stddev=10)
    black = demo.count((0, 0, 0), tolerance=12)
    if black < w * h // 3:
        fail("demo mode is not on black (%d black pixels)" % black)
    check(after, "live after the run", [(binary, (0, h // 2, w, h))])
    check(kept, "live after a failed start", [(binary, (0, h // 2, w, h)), (fixed, (0, h // 2, w, h)),
                                              (power, (0, h // 4, w, h * 3 // 5))])
    # Zoomed to one inference: solid boxes of both colours in the timeline.
    check(zoomed, "one inference", [(binary, (0, h // 2, w, h)), (fixed, (0, h // 2, w, h))])

    # ---- frames ----
    frames_path = env["BLENDSCOPE_FRAME_LOG"]
    if os.path.exists(frames_path):
        report = open(frames_path).read().strip()
        log("frame log:", report.replace("\n", " | "))
        gaps = [float(x) for x in re.findall(r"max_gap_ms=([0-9.]+)", report)]
        if gaps and max(gaps) > 1000:
            fail("a frame took %.0f ms during a run" % max(gaps))

    if os.environ.get("BS_UPDATE_SCREENSHOTS") == "1" and args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        # At another screen size the pictures are kept beside the usual ones, named by it;
        # a named variant keeps only its live picture.
        suffix = "" if SCREEN == (1280, 800) else "-%dx%d" % SCREEN
        names = ("live", "live-inference", "layers", "layers-ops", "demo")
        if args.name:
            suffix, names = "-" + args.name, ("live",)
        for name in names:
            shutil.copy(os.path.join(shots, name + ".png"),
                        os.path.join(args.screenshots, name + suffix + ".png"))
        log("screenshots copied to", args.screenshots)
    log("screenshots in", shots)
    print("ok 1 - e2e", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the blendscope executable")
    parser.add_argument("--screenshots", help="where BS_UPDATE_SCREENSHOTS=1 copies the screenshots")
    parser.add_argument("--backend", default="cpu", help="backend spec for the run (cpu)")
    parser.add_argument("--theme", default="light", choices=["system", "light", "dark"],
                        help="the app.theme colour scheme to run under (light)")
    parser.add_argument("--run-seconds", type=float, default=7,
                        help="how long the continuous run lasts (7; e.g. 300 for a soak test)")
    parser.add_argument("--screen", default="1280x800",
                        help="the virtual screen, WIDTHxHEIGHT (1280x800; 1024x768: a projector)")
    parser.add_argument("--name", help="a variant's name: its live screenshot is copied as "
                        "live-NAME.png (and only that one)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global SCREEN
    try:
        SCREEN = tuple(int(v) for v in args.screen.split("x", 1))
    except ValueError:
        parser.error("--screen takes WIDTHxHEIGHT, e.g. 1024x768")
    print("1..1", flush=True) if args.inner else None
    if args.inner:
        inner(args)
        return
    # Our own bus and display, so the test neither needs nor disturbs a desktop.
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
               "-screen 0 %dx%dx24 -noreset" % SCREEN, sys.executable, os.path.abspath(__file__),
               "--inner", "--app", os.path.abspath(args.app)]
    if args.screenshots:
        command += ["--screenshots", args.screenshots]
    command += ["--backend", args.backend, "--theme", args.theme, "--run-seconds", str(args.run_seconds),
                "--screen", args.screen]
    if args.name:
        command += ["--name", args.name]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
