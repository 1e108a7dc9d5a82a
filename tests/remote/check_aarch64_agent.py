#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent as it runs on a board (scripts/test, after the aarch64 build): this host's
blendscope-cli drives `blendscope-cli agent` of the aarch64 build, run under qemu-aarch64
(tests/remote/qemu-aarch64-agent.sh) behind fake-ssh.sh. The agent announces an aarch64
host; `run` through ssh://localhost/cpu gives the logits of this host's reference
interpreter; `record` through it stores the events (inference, op, clock) a local record
of the same model stores. TAP output.

Environment: BS_CLI (this host's), BS_AARCH64_CLI (the aarch64 build's), BS_SOURCE_ROOT."""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ["BS_SOURCE_ROOT"]
CLI = os.environ["BS_CLI"]
MODEL = os.path.join(SRC, "data", "models", "fmnist-blendnet.bsm")   # small: qemu is slow
results = []


def ok(cond, what):
    results.append((bool(cond), what))


def cli(*args, env):
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=600)


def structure(doc):
    e = doc["events"]
    return list(zip(e["inference"], e["op"], e["clock"]))


def main():
    with tempfile.TemporaryDirectory(prefix="bs-aarch64-agent-") as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=tmp,
                   BS_SSH=os.path.join(SRC, "tests", "remote", "fake-ssh.sh"),
                   BS_AGENT_CLI=os.path.join(SRC, "tests", "remote", "qemu-aarch64-agent.sh"))
        remote, ref = os.path.join(tmp, "remote.npy"), os.path.join(tmp, "ref.npy")
        r = cli("run", MODEL, "--backend", "ssh://localhost/cpu", "-n", "4", "--logits-out", remote, env=env)
        ok(r.returncode == 0, "run through the aarch64 agent succeeds " + r.stderr.strip()[-300:])
        hello = next((l for l in r.stderr.splitlines() if "agent blendscope" in l), "")
        ok(hello.rstrip().find("aarch64") > 0, "the agent announces an aarch64 host: " + hello)
        l = cli("run", MODEL, "--reference", "-n", "4", "--logits-out", ref, env=env)
        same = (r.returncode == 0 and l.returncode == 0
                and open(remote, "rb").read() == open(ref, "rb").read())
        ok(same, "the aarch64 agent's logits equal this host's reference interpreter's (4 images)")

        db = os.path.join(tmp, "runs.db")
        a = cli("record", MODEL, "--backend", "cpu", "--probe", "synthetic", "--db", db, "-n", "3", env=env)
        b = cli("record", MODEL, "--backend", "ssh://localhost/cpu", "--probe", "synthetic", "--db", db, "-n", "3",
                env=env)
        ok(a.returncode == 0 and b.returncode == 0, "record locally and through the agent " + b.stderr.strip()[-300:])
        if a.returncode == 0 and b.returncode == 0:
            docs = [json.loads(cli("export", str(run), "--db", db, "--format", "json", env=env).stdout)
                    for run in (1, 2)]
            ok(structure(docs[0]) == structure(docs[1]) and len(structure(docs[0])) == 3 * len(docs[0]["layers"]),
               "record: the same events (inference, op, clock), %d of them" % len(structure(docs[0])))
        else:
            ok(False, "record: the same events (not compared: a record failed)")
    print("1..%d" % len(results))
    for i, (good, what) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, what))
    sys.exit(0 if all(g for g, _ in results) else 1)


if __name__ == "__main__":
    main()
