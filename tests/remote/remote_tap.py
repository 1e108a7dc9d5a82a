# SPDX-License-Identifier: GPL-3.0-or-later
"""What the remote suite's Python checks share: TAP lines, running the CLI, reading an
exported run back."""
import json
import os
import subprocess

CLI = os.environ["BS_CLI"]
MODEL = os.path.join(os.environ["BS_SOURCE_ROOT"], "data", "models", "blendnet20.bsm")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = False

    def ok(self, cond, what):
        self.n += 1
        print(("ok %d " if cond else "not ok %d ") % self.n + what.replace("\n", " | "))
        self.failed |= not cond

    def status(self):
        return 1 if self.failed else 0


def cli(*args, env, timeout=300):
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def export(db, run, env):
    r = cli("export", str(run), "--db", db, "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def structure(doc):
    """(inference, op, clock) of every event, in order."""
    e = doc["events"]
    return list(zip(e["inference"], e["op"], e["clock"]))
