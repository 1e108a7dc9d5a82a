#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A full disk stops the workbench's recording at once; the app lives on.

Starts the real application as e2e.py does, under a 1 MiB file size limit (RLIMIT_FSIZE,
standing in for a full disk: writes past it fail with EFBIG), and records a continuous
run of BlendNet-20. A continuous run never ends by itself, so the run must end because
the recording failed, within seconds of the limit; the app must not be killed (SIGXFSZ)
and must keep answering; the run keeps what was committed and is not left 'running'.
Before: the app died of SIGXFSZ at the limit (and, had it lived, would have run on
recording nothing until stopped).

Run by hand:  tests/ui/e2e-disk-full.py --app build/app/blendscope
"""
import argparse
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (the D-Bus helpers)

LIMIT = 1024 * 1024


def limited():
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def inner(args):
    home = tempfile.mkdtemp(prefix="blendscope-disk-full-")
    env = e2e.app_env(home)
    db_path = os.path.join(home, "data", "blendscope", "blendscope.db")
    app_log = open(os.path.join(home, "app.log"), "w")
    app = subprocess.Popen([args.app], env=env, stdout=app_log, stderr=subprocess.STDOUT,
                           preexec_fn=limited)
    try:
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", e2e.APP_ID], check=True)
        e2e.wait_for("the window's actions", lambda: "'view'" in e2e.gdbus(
            "--object-path", e2e.APP_PATH + "/window/1", "--method", "org.gtk.Actions.List"), 20)
        e2e.activate(e2e.APP_PATH, "open-bundled", "<'blendnet20'>")
        e2e.set_state(e2e.APP_PATH, "record", "<true>")
        e2e.activate(e2e.APP_PATH, "mode", "<'continuous'>")
        e2e.activate(e2e.APP_PATH, "run")
        started = time.monotonic()
        e2e.wait_for("the run to start", lambda: "(false," in e2e.describe(e2e.APP_PATH, "run"), 20)
        # The run action is enabled again once the run has ended.
        e2e.wait_for("the run to end by itself", lambda: app.poll() is None and "(true," in
                     e2e.describe(e2e.APP_PATH, "run"), 90)
        took = time.monotonic() - started
        if app.poll() is not None:
            e2e.fail("the app died (%d) at the file size limit" % app.returncode)
        app.send_signal(signal.SIGTERM)
        code = app.wait(timeout=20)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        app_log.close()
    log_text = open(app_log.name).read()
    if code != 0:
        e2e.fail("the app exited with %d (log: %s)" % (code, log_text))
    # Where the limit cut even the run's final status update, the next open of the store
    # ends the run as interrupted: open it once, as a user's next command would.
    cli = os.path.join(os.path.dirname(os.path.abspath(args.app)), "blendscope-cli")
    subprocess.run([cli, "runs", "--db", db_path], check=True, capture_output=True)
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    runs = db.execute("SELECT id, status, n_events, n_samples FROM runs").fetchall()
    db.close()
    e2e.log("run ended by itself after %.1f s; runs: %s" % (took, runs))
    if len(runs) != 1 or runs[0][1] == "running" or runs[0][2] <= 0:
        e2e.fail("expected one ended run that kept its committed events: %s" % runs)
    print("ok 1 - the recording stopped at the file size limit after %.1f s; run %d is %s "
          "with %d events kept" % (took, runs[0][0], runs[0][1], runs[0][2]), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the blendscope executable")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print("1..1", flush=True)
        inner(args)
        return
    command = ["dbus-run-session", "--", "xvfb-run", "-a", "-s",
               "-screen 0 %dx%dx24 -noreset" % e2e.SCREEN, sys.executable,
               os.path.abspath(__file__), "--inner", "--app", os.path.abspath(args.app)]
    sys.exit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
