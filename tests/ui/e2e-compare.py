#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end test of the workbench's Sessions, Compare and Graph views.

Starts the real application under Xvfb on a private D-Bus session bus (as e2e.py does,
whose helpers it uses), records two runs of the bundled BlendNet-20 with the demo meter —
one on the cpu backend, one on csim — and drives the new views over org.gtk.Actions:

  * app.compare with both run ids, the Compare view shown: the screenshot is not blank and
    has pixels of both run colours (ui/render/bs-run-colors.c);
  * the figures the view draws (win.compare-summary, JSON) agree with the session
    database read independently with sqlite3: each layer's mean time per inference
    (layer_summaries.mean_ns by run_layers.name) and each run's mean latency
    (run_summaries.latency_mean_ns);
  * the Graph view, by precision and heat-mapped by time share, and the Sessions view;
  * win.graph-view: at fit to page the graph fills the width and most layers' names are
    drawn in view; the side panel shows the selected layer's figures and their clock; a
    batch norm fused into its conv shows the conv's figures; win.graph-zoom, and (with
    xdotool) the keys +, 0, Ctrl+wheel and a drag;
  * win.select-layer, win.export-chart (PNG and SVG of the compare chart, the power
    overlay and the graph), app.export-run (CSV, Perfetto, JSON), app.import-run of that
    JSON, app.tag-run, app.annotate-run, app.rename-session, app.delete-run, and
    win.set-markers (a range marker saved with the last run), each checked in the
    database or on disk.

BS_UPDATE_SCREENSHOTS=1 copies compare.png, graph.png, sessions.png and live-markers.png to
docs/screenshots/. --screen WxH (1280x800) sets the Xvfb screen and sizes the window to it.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (the helpers: Image, gdbus, activate, screenshot, ...)
from e2e import APP_PATH, SCREEN, SOURCE_ROOT, activate, describe, fail, log, screenshot, set_state, wait_for  # noqa: E402


def run_colours():
    text = open(os.path.join(SOURCE_ROOT, "ui", "render", "bs-run-colors.c")).read()
    light = re.search(r"light\[BS_RUN_COLORS\] = \{(.*?)\};", text, re.S).group(1)
    return [tuple(int(v[i:i + 2], 16) for i in (0, 2, 4)) for v in re.findall(r"0x([0-9a-fA-F]{6})", light)]


def db_connect(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)


def finished_runs(path):
    db = db_connect(path)
    try:
        return db.execute("SELECT r.id, r.backend, r.status FROM runs r JOIN run_summaries s "
                          "ON s.run_id = r.id WHERE r.status != 'running' ORDER BY r.id").fetchall()
    finally:
        db.close()


def record(window, backend, seconds, db_path, n_before):
    activate(APP_PATH, "backend", "<'%s'>" % backend)
    activate(APP_PATH, "run")
    time.sleep(seconds)
    activate(APP_PATH, "stop")
    runs = wait_for("the %s run in the database" % backend,
                    lambda: (lambda r: r if len(r) > n_before else None)(finished_runs(db_path)), 60)
    run_id, got_backend, status = runs[-1]
    log("recorded run %d on %s: %s" % (run_id, got_backend, status))
    if got_backend != backend or status != "complete":
        fail("run %d: backend %s, status %s" % (run_id, got_backend, status))
    return run_id


def state_string(path, action):
    """The string state of an action, from org.gtk.Actions.Describe (GVariant text)."""
    out = describe(path, action)
    m = re.search(r"\[<'(.*)'>\]\)", out, re.S) or re.search(r'\[<"(.*)">\]\)', out, re.S)
    if not m:
        fail("cannot read the state of %s: %s" % (action, out[:200]))
    return m.group(1).encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8")


def check_figures(summary, db_path, runs):
    """The compare view's per-layer means and totals against the database."""
    db = db_connect(db_path)
    try:
        checked = 0
        for k, run in enumerate(runs):
            means = dict(db.execute("SELECT rl.name, ls.mean_ns FROM layer_summaries ls JOIN run_layers rl "
                                    "ON rl.run_id = ls.run_id AND rl.op = ls.op WHERE ls.run_id = ?",
                                    (run,)).fetchall())
            latency = db.execute("SELECT latency_mean_ns FROM run_summaries WHERE run_id = ?",
                                 (run,)).fetchone()[0]
            if not means:
                fail("no layer summaries for run %d" % run)
            for layer in summary["layers"]:
                shown = layer["values"][k]
                stored = means.get(layer["name"])
                if stored is None or shown is None:
                    if (stored is None) != (shown is None):
                        fail("run %d, %s: shown %r, database %r" % (run, layer["name"], shown, stored))
                    continue
                if abs(shown * 1e9 - stored) > max(1.0, 0.005 * stored):
                    fail("run %d, %s: the view shows %.1f ns, the database says %.1f ns"
                         % (run, layer["name"], shown * 1e9, stored))
                checked += 1
            total = summary["totals"][k]
            if total is None or abs(total * 1e9 - latency) > max(1.0, 0.005 * latency):
                fail("run %d: total %r s shown, latency %.1f ns in the database" % (run, total, latency))
        names_shown = {layer["name"] for layer in summary["layers"]}
        names_db = {r[0] for r in db.execute("SELECT DISTINCT name FROM run_layers WHERE run_id IN (%s)"
                                             % ",".join(str(r) for r in runs))}
        if names_shown != names_db:
            fail("layers shown and in the database differ: %r" % sorted(names_shown ^ names_db)[:10])
        log("compare figures: %d layer means and %d totals agree with the database" % (checked, len(runs)))
        if checked < 20:
            fail("too few layer figures checked: %d" % checked)
    finally:
        db.close()


def fill_screen():
    """The window as large as the screen (Xvfb has no window manager to maximise it)."""
    if e2e.SCREEN == (1280, 800) or not shutil.which("xdotool"):
        return
    # Every match (%@): GTK's hidden client leader window matches too.
    subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--class", "blendscope",
                    "windowmove", "%@", "0", "0", "windowsize", "%@", str(e2e.SCREEN[0]), str(e2e.SCREEN[1])],
                   check=False)
    time.sleep(1)


def gvariant_unescape(text):
    """GVariant text escapes (\\uXXXX, \\', \\\\ ...); other characters as they are: the
    panel's figures have non-ASCII units (µs, ×, ·)."""
    simple = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}

    def one(m):
        e = m.group(1)
        if e[0] in "uU" and len(e) > 1:
            return chr(int(e[1:], 16))
        return simple.get(e, e)
    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", one, text)


def graph_view(window):
    out = describe(window, "graph-view")
    m = re.search(r"\[<'(.*)'>\]\)", out, re.S) or re.search(r'\[<"(.*)">\]\)', out, re.S)
    if not m:
        fail("cannot read the state of graph-view: %s" % out[:200])
    return json.loads(gvariant_unescape(m.group(1)))


def check_graph_view(window, layer, run):
    """win.graph-view: at fit to page most layers' names are drawn inside the view, and
    zooming in makes them bigger; the side panel has the selected layer's figures with
    their clock; a layer fused into its conv shows the conv's figures and says so."""
    view = graph_view(window)
    log("graph at fit: scale %.2f, %d columns, %.0f of %d px wide, %d names drawn"
        % (view["scale"], view["columns"], view["graph_width"], view["width"], len(view["labels"])))
    if not view["fit"] or len(view["labels"]) < 60:
        fail("graph at fit to page: %d names drawn" % len(view["labels"]))
    if view["graph_width"] < 0.5 * view["width"]:
        fail("the graph uses %.0f of %d px" % (view["graph_width"], view["width"]))
    selected = view["selected"]
    log("graph panel: %r" % selected)
    if selected is None or selected["Layer"] != layer:
        fail("the side panel does not show the selected layer %s" % layer)
    if "#%d" % run not in selected["Run"] or "host clock" not in selected["Run"]:
        fail("the side panel's run and clock: %r" % selected["Run"])
    if "per inference" not in selected.get("Time", "") or "of inference time" not in selected.get("Share", ""):
        fail("the side panel has no time or share: %r" % selected)
    if "MACs binary" not in selected or "MACs fixed" not in selected:
        fail("the side panel has no MACs by precision: %r" % selected)

    activate(window, "select-layer", "<'stage1.0.main.bn'>")
    time.sleep(0.5)
    fused = graph_view(window)["selected"]
    log("graph panel, fused layer: %r" % fused)
    if not fused.get("Fused into", "").startswith("stage1.0.main.conv") or "Time" not in fused:
        fail("a fused batch norm does not show its conv's figures: %r" % fused)
    activate(window, "select-layer", "<'%s'>" % layer)

    activate(window, "graph-zoom", "<'in'>")
    activate(window, "graph-zoom", "<'in'>")
    time.sleep(0.5)
    zoomed = graph_view(window)
    if zoomed["fit"] or zoomed["scale"] < 1.5 * view["scale"] or not zoomed["labels"]:
        fail("graph-zoom in: scale %.2f -> %.2f, %d names" % (view["scale"], zoomed["scale"],
                                                               len(zoomed["labels"])))
    activate(window, "graph-zoom", "<'fit'>")
    time.sleep(0.5)
    if abs(graph_view(window)["scale"] - view["scale"]) > 1e-6:
        fail("graph-zoom fit did not come back to fit to page")
    check_graph_input(window, view["scale"])


def check_graph_input(window, fit_scale):
    """The keys and the mouse, as a user gives them (xdotool): + zooms, 0 fits, Ctrl+wheel
    zooms, a drag moves the view without zooming."""
    if not shutil.which("xdotool"):
        log("no xdotool: the graph's keys and mouse are not checked")
        return
    # Low in the graph, left of the side panel: the page's empty bottom.
    x, y = e2e.SCREEN[0] // 3, e2e.SCREEN[1] - 45

    def xdo(*args):
        subprocess.run(["xdotool"] + [str(a) for a in args], check=True)
        time.sleep(0.6)

    xdo("mousemove", x, y, "click", 1)
    xdo("key", "plus")
    zoomed = graph_view(window)
    xdo("key", "0")
    fitted = graph_view(window)
    xdo("keydown", "ctrl", "click", 4, "keyup", "ctrl")
    wheel = graph_view(window)
    # Leftwards: the view at the graph's left edge cannot go further left.
    xdo("mousedown", 1, "mousemove_relative", "--", -60, -10, "mousemove_relative", "--", -60, -10, "mouseup", 1)
    dragged = graph_view(window)
    log("graph input: + %.2f, 0 %.2f (fit %s), Ctrl+wheel %.2f, drag %.2f (fit %s, x %.0f -> %.0f)"
        % (zoomed["scale"], fitted["scale"], fitted["fit"], wheel["scale"], dragged["scale"], dragged["fit"],
           wheel["x"], dragged["x"]))
    if zoomed["scale"] <= fit_scale * 1.2 or zoomed["fit"]:
        fail("+ did not zoom the graph in")
    if not fitted["fit"] or abs(fitted["scale"] - fit_scale) > 1e-6:
        fail("0 did not fit the graph to the page")
    if wheel["scale"] <= fit_scale * 1.2:
        fail("Ctrl+wheel did not zoom the graph in")
    if dragged["fit"] or abs(dragged["scale"] - wheel["scale"]) > 1e-6 or dragged["x"] <= wheel["x"] + 100:
        fail("a drag zoomed, or did not move the view: x %.0f -> %.0f" % (wheel["x"], dragged["x"]))
    xdo("key", "0")


def file_starts(path, prefix):
    with open(path, "rb") as f:
        return f.read(len(prefix)) == prefix


def inner(args):
    colours = run_colours()
    home = tempfile.mkdtemp(prefix="blendscope-e2e-compare-")
    shots = os.path.join(home, "screenshots")
    out = os.path.join(home, "out")
    os.makedirs(shots)
    os.makedirs(out)
    env = e2e.app_env(home)
    db_path = os.path.join(home, "data", "blendscope", "blendscope.db")
    app_log_path = os.path.join(home, "app.log")
    app_log = open(app_log_path, "w")
    log("app", args.app, "home", home)
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    window = APP_PATH + "/window/1"
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", e2e.APP_ID], check=True)
        wait_for("the window's actions", lambda: "'compare-summary'" in e2e.gdbus(
            "--object-path", window, "--method", "org.gtk.Actions.List"), 20)
        fill_screen()

        activate(APP_PATH, "open-bundled", "<'blendnet20'>")
        set_state(APP_PATH, "record", "<true>")
        set_state(APP_PATH, "session", "<'e2e-compare'>")
        activate(APP_PATH, "mode", "<'continuous'>")
        cpu = record(window, "cpu", 4, db_path, 0)
        csim = record(window, "csim", 4, db_path, 1)

        # ---- compare ----
        activate(APP_PATH, "compare", "<['%d', '%d']>" % (cpu, csim))
        if "'compare'" not in describe(window, "view"):
            fail("app.compare did not show the compare view: " + describe(window, "view"))
        # Read off the main thread: the summary follows once the runs are shown.
        summary = wait_for("the compared runs in the summary", lambda: (
            lambda s: s if s.get("runs") == [cpu, csim] else None)(
                json.loads(state_string(window, "compare-summary") or "{}")), 20)
        log("compare summary: runs %s, %d layers, totals %s" % (summary["runs"], len(summary["layers"]),
                                                                  summary["totals"]))
        if summary["runs"] != [cpu, csim] or summary["metric"] != "time":
            fail("compare summary: %r" % {k: summary[k] for k in ("runs", "metric")})
        check_figures(summary, db_path, [cpu, csim])
        time.sleep(1)
        compare = screenshot("compare", shots)

        activate(window, "compare-metric", "<'energy'>")
        energy = json.loads(state_string(window, "compare-summary"))
        if energy["metric"] != "energy" or energy["unit"] != "J":
            fail("compare-metric energy: %r" % energy["metric"])
        activate(window, "compare-metric", "<'time'>")

        # One layer selected everywhere (the layers table, the graph, the compare rows).
        layer = summary["layers"][len(summary["layers"]) // 2]["name"]
        activate(window, "select-layer", "<'%s'>" % layer)
        if layer not in describe(window, "select-layer"):
            fail("select-layer did not take " + layer)

        # ---- graph ----
        activate(window, "view", "<'graph'>")
        time.sleep(1)
        graph_precision = screenshot("graph-precision", shots)
        activate(window, "graph-metric", "<'time'>")
        time.sleep(1)
        graph = screenshot("graph", shots)
        check_graph_view(window, layer, cpu)

        # ---- sessions ----
        activate(window, "view", "<'sessions'>")
        activate(APP_PATH, "tag-run", "<(int64 %d, 'baseline')>" % cpu)
        activate(APP_PATH, "annotate-run", "<(int64 %d, 'cycle model of the same network')>" % csim)
        time.sleep(1)
        sessions = screenshot("sessions", shots)

        # ---- exports of the charts ----
        exports = {}
        for chart, name in (("compare", "compare.png"), ("compare", "compare.svg"),
                            ("overlay", "overlay.png"), ("graph", "graph.svg"), ("graph", "graph.png")):
            path = os.path.join(out, name)
            activate(window, "export-chart", "<('%s', '%s')>" % (chart, path))
            exports[name] = path

        # ---- runs out and back in ----
        for fmt, name in (("csv", "run.csv"), ("perfetto", "run.perfetto.json"), ("json", "run.json")):
            activate(APP_PATH, "export-run", "<(int64 %d, '%s', '%s')>" % (cpu, fmt, os.path.join(out, name)))
        activate(APP_PATH, "import-run", "<'%s'>" % os.path.join(out, "run.json"))
        activate(APP_PATH, "rename-session", "<('e2e-compare', 'e2e-renamed')>")

        # Markers on the live power chart: 1 s to 2 s after the start of the last run.
        activate(window, "set-markers", "<(int64 1000000000, int64 2000000000)>")
        activate(window, "view", "<'live'>")
        time.sleep(1)
        screenshot("live-markers", shots)

        imported = wait_for("the imported run", lambda: (lambda r: r if len(r) == 3 else None)(
            finished_runs(db_path)), 20)[-1][0]
        activate(APP_PATH, "delete-run", "<int64 %d>" % imported)

        if app.poll() is not None:
            fail("the app died")
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
            app.wait()
        app_log.close()
        with open(app_log_path) as f:
            text = f.read().strip()
            if text:
                log("app log:", text.replace("\n", " | ")[:2000])

    # ---- files ----
    for name, path in exports.items():
        if not os.path.exists(path) or os.path.getsize(path) < 1000:
            fail("export-chart did not write %s" % name)
        if name.endswith(".png") and not file_starts(path, b"\x89PNG"):
            fail("%s is not a PNG" % name)
        if name.endswith(".svg") and b"<svg" not in open(path, "rb").read(4096):
            fail("%s is not an SVG" % name)
    size = subprocess.run(["identify", "-format", "%w %h", exports["compare.png"]], check=True,
                          capture_output=True, text=True).stdout.split()
    log("compare.png %sx%s" % tuple(size))
    exported_png = e2e.Image(exports["compare.png"])
    for i, c in enumerate(colours[:2]):
        if exported_png.count(c) < 300:
            fail("the exported compare chart has too little of run colour %d" % i)
    csv_head = open(os.path.join(out, "run.csv")).readline()
    perfetto = json.load(open(os.path.join(out, "run.perfetto.json")))
    run_json = json.load(open(os.path.join(out, "run.json")))
    if "," not in csv_head or not perfetto or not run_json:
        fail("export-run wrote empty files")
    log("exports: csv header %r, perfetto %d entries" % (csv_head.strip()[:60],
        len(perfetto["traceEvents"]) if isinstance(perfetto, dict) and "traceEvents" in perfetto else len(perfetto)))

    # ---- the database after the edits ----
    db = db_connect(db_path)
    try:
        ids = [r[0] for r in db.execute("SELECT id FROM runs ORDER BY id")]
        tags = [r[0] for r in db.execute("SELECT tag FROM run_tags WHERE run_id = ?", (cpu,))]
        notes = db.execute("SELECT notes FROM runs WHERE id = ?", (csim,)).fetchone()[0]
        session = db.execute("SELECT s.name FROM runs r JOIN sessions s ON s.id = r.session_id WHERE r.id = ?",
                             (cpu,)).fetchone()
        markers = db.execute("SELECT COUNT(*) FROM markers WHERE run_id = ?", (csim,)).fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        ranges = db.execute("SELECT COUNT(*) FROM marker_notes").fetchone()[0] if "marker_notes" in tables else 0
    finally:
        db.close()
    log("runs %s, tags of %d %s, notes of %d %r, session %r, markers of %d: %d (%d ranges)"
        % (ids, cpu, tags, csim, notes, session, csim, markers, ranges))
    if ids != [cpu, csim]:
        fail("the imported run was not deleted, or a run is missing: %r" % ids)
    if "baseline" not in tags:
        fail("tag-run: %r" % tags)
    if notes != "cycle model of the same network":
        fail("annotate-run: %r" % notes)
    if session is None or session[0] != "e2e-renamed":
        fail("rename-session: %r" % (session,))
    if markers < 1 or ranges < 1:
        fail("set-markers saved no range marker with the run")

    # ---- the pixels ----
    def check(image, name, needs, minimum_colours=150, minimum_stddev=15):
        distinct = image.distinct_colours()
        stddev = image.luminance_stddev()
        found = {key: image.count(colour) for key, colour in needs}
        log("%s: %d colours, luminance sd %.1f, %s" % (name, distinct, stddev,
                                                      ", ".join("%s %d px" % kv for kv in found.items())))
        if distinct < minimum_colours or stddev < minimum_stddev:
            fail("%s looks blank (%d colours, sd %.1f)" % (name, distinct, stddev))
        for key, n in found.items():
            if n < 300:
                fail("%s: only %d pixels of %s" % (name, n, key))

    palette = e2e.palette()
    check(compare, "compare", [("run colour 0 (baseline)", colours[0]), ("run colour 1", colours[1])])
    check(graph_precision, "graph (precision)", [("binary", palette["BINARY_LIGHT"]),
                                                  ("fixed point", palette["FIXED_LIGHT"])])
    check(graph, "graph (time share)", [], minimum_colours=100)
    check(sessions, "sessions", [], minimum_colours=20, minimum_stddev=5)

    if os.environ.get("BS_UPDATE_SCREENSHOTS") == "1" and args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        for name in ("compare", "graph", "sessions", "live-markers"):
            shutil.copy(os.path.join(shots, name + ".png"), os.path.join(args.screenshots, name + ".png"))
        log("screenshots copied to", args.screenshots)
    log("screenshots in", shots)
    print("ok 1 - e2e-compare", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the blendscope executable")
    parser.add_argument("--screenshots", help="where BS_UPDATE_SCREENSHOTS=1 copies the screenshots")
    parser.add_argument("--screen", default="%dx%d" % SCREEN,
                        help="the Xvfb screen, WxH; the window is sized to fill it")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    screen = tuple(int(v) for v in args.screen.split("x"))
    if args.inner:
        print("1..1", flush=True)
        e2e.SCREEN = screen
        inner(args)
        return
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
               "-screen 0 %dx%dx24 -noreset" % screen, sys.executable, os.path.abspath(__file__),
               "--inner", "--app", os.path.abspath(args.app), "--screen", args.screen]
    if args.screenshots:
        command += ["--screenshots", args.screenshots]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
