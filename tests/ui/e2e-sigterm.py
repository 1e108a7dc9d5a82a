#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SIGTERM (or SIGINT) closes the workbench cleanly, with the run it is recording saved.

Starts the real application as e2e.py does (Xvfb, a private D-Bus session bus, private
HOME and XDG folders), records a continuous run of BlendNet-20 with the demo meter, sends
the signal and checks that the app exits by itself with status 0 and that the run in the
database is finished (not 'running', not 'interrupted' at the next start) with its
duration, layer events and power samples. Before the signals were handled, the process
died and left the run 'running'.

Run by hand:  tests/ui/e2e-sigterm.py --app build/app/blendscope [--signal INT]
"""
import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (the D-Bus helpers)


def inner(args):
    signum = getattr(signal, "SIG" + args.signal)
    home = tempfile.mkdtemp(prefix="blendscope-signal-")
    env = e2e.app_env(home)
    db_path = os.path.join(home, "data", "blendscope", "blendscope.db")
    app_log = open(os.path.join(home, "app.log"), "w")
    # As from a terminal: SIGINT at its default, whatever the test runner inherited.
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", e2e.APP_ID], check=True)
        e2e.wait_for("the window's actions", lambda: "'view'" in e2e.gdbus(
            "--object-path", e2e.APP_PATH + "/window/1", "--method", "org.gtk.Actions.List"), 20)
        e2e.activate(e2e.APP_PATH, "open-bundled", "<'blendnet20'>")
        e2e.set_state(e2e.APP_PATH, "record", "<true>")
        e2e.activate(e2e.APP_PATH, "mode", "<'continuous'>")
        e2e.activate(e2e.APP_PATH, "run")
        e2e.wait_for("the run to be recorded", lambda: sqlite3.connect(
            "file:%s?mode=ro" % db_path, uri=True, timeout=10).execute(
            "SELECT n_events FROM runs WHERE status = 'running'").fetchone()[0] > 0, 30)
        time.sleep(1)
        app.send_signal(signum)
        try:
            code = app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            e2e.fail("the app did not exit within 20 s of SIG%s" % args.signal)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        app_log.close()
    if code != 0:
        e2e.fail("the app exited with %d on SIG%s (log: %s)"
                 % (code, args.signal, open(app_log.name).read()))
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    runs = db.execute("SELECT id, status, duration_ns, n_events, n_samples FROM runs").fetchall()
    db.close()
    e2e.log("runs after SIG%s:" % args.signal, runs)
    if len(runs) != 1:
        e2e.fail("expected one run, found %d" % len(runs))
    run_id, status, duration, n_events, n_samples = runs[0]
    if status in ("running", "interrupted") or duration is None or duration <= 0:
        e2e.fail("the run was not finished on SIG%s: %s, duration %s"
                 % (args.signal, status, duration))
    if n_events <= 0 or n_samples <= 0:
        e2e.fail("the run lost its data: %d events, %d samples" % (n_events, n_samples))
    print("ok 1 - SIG%s ended run %d as %s after %.1f s with %d events and %d samples"
          % (args.signal, run_id, status, duration / 1e9, n_events, n_samples), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the blendscope executable")
    parser.add_argument("--signal", default="TERM", choices=["TERM", "INT"],
                        help="the signal to send (TERM)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print("1..1", flush=True)
        inner(args)
        return
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
               "-screen 0 %dx%dx24 -noreset" % e2e.SCREEN, sys.executable,
               os.path.abspath(__file__), "--inner", "--app", os.path.abspath(args.app),
               "--signal", args.signal]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
