#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""blendscope-cli with --backend ssh://localhost/cpu (through fake-ssh.sh and the local
agent) against --backend cpu: `run` gives the same logits and per-layer rows; `record`
stores the same event structure (inference, op, clock of every event, in order); killing
the agent mid-record fails the run with a clear message and keeps the events that
arrived. TAP output. BS_AGENT_CLI, if set, is the agent's blendscope-cli (another build,
e.g. aarch64 under qemu)."""
import os
import signal
import subprocess
import sys
import tempfile
import time

from remote_tap import CLI, MODEL, Tap, cli, export, structure

tap = Tap()
ok = tap.ok


def rows(stdout):
    """The per-layer table's name, kind and precision columns."""
    out, inside = [], False
    for line in stdout.splitlines():
        if line.startswith("per-layer time"):
            inside = True
        elif inside and line.startswith("per inference"):
            break
        elif inside and line.strip() and not line.lstrip().startswith("#"):
            out.append(line.split()[:4])
    return out


def main():
    with tempfile.TemporaryDirectory(prefix="bs-remote-cli-") as tmp:
        # The agent: this CLI, unless BS_AGENT_CLI names another (scripts/test: the aarch64
        # build under qemu-aarch64, tests/remote/qemu-aarch64-agent.sh).
        env = dict(os.environ, XDG_CACHE_HOME=tmp)
        env.setdefault("BS_AGENT_CLI", CLI)
        print("1..21")
        # run: logits and rows
        local = cli("run", MODEL, "--backend", "cpu", "-n", "8", "--logits-out",
                    os.path.join(tmp, "l.npy"), env=env)
        remote = cli("run", MODEL, "--backend", "ssh://localhost/cpu", "-n", "8", "--logits-out",
                     os.path.join(tmp, "r.npy"), env=env)
        ok(local.returncode == 0 and remote.returncode == 0, "run: both succeed " + remote.stderr.strip())
        with open(os.path.join(tmp, "l.npy"), "rb") as a, open(os.path.join(tmp, "r.npy"), "rb") as b:
            ok(a.read() == b.read(), "run: identical logits (.npy)")
        top = lambda s: [l for l in s.splitlines() if l.startswith("image ")]
        ok(top(local.stdout) == top(remote.stdout) and len(top(local.stdout)) > 0,
           "run: same top classes")
        ok(rows(local.stdout) == rows(remote.stdout) and len(rows(local.stdout)) > 10,
           "run: same per-layer rows (%d)" % len(rows(local.stdout)))
        ok("clock offset" in remote.stderr and "uncertainty" in remote.stderr,
           "run: the clock offset and its uncertainty are logged")

        # devices --host: the agent's report is this machine's `devices` (same machine here)
        mine = cli("devices", env=env)
        theirs = cli("devices", "--host", "lab@localhost:2222", env=env)
        head, _, body = theirs.stdout.partition("\n\n")
        ok(mine.returncode == 0 and theirs.returncode == 0 and body == mine.stdout
           and head.startswith("lab@localhost: blendscope ") and head.endswith(", through ssh"),
           "devices --host: the agent's report, headed by its host: " + head)
        bad = cli("devices", "--host", "x/y", env=env)
        ok(bad.returncode == 1 and "is not [user@]host[:port]" in bad.stderr,
           "devices --host with a bad host: exit 1, clear message")

        # record: event structure
        db = os.path.join(tmp, "s.db")
        a = cli("record", MODEL, "--backend", "cpu", "--probe", "synthetic", "--db", db, "-n", "10", env=env)
        b = cli("record", MODEL, "--backend", "ssh://localhost/cpu", "--probe", "synthetic", "--db", db,
                "-n", "10", env=env)
        ok(a.returncode == 0 and b.returncode == 0, "record: both succeed " + b.stderr.strip())
        da, db_ = export(db, 1, env), export(db, 2, env)
        ok(structure(da) == structure(db_) and len(structure(da)) == 10 * len(da["layers"]),
           "record: same events (inference, op, clock), %d of them" % len(structure(da)))
        marks = [m["label"] for m in db_["markers"]]
        ok(any(m.startswith("remote: localhost: blendscope") and "clock offset" in m
               and "round trip" in m and m.endswith("(at the start)") for m in marks),
           "record: the remote host's facts and the clock offset at the start are a marker: %s" % marks)
        link = db_.get("link")
        ok(da.get("link", "absent") is None and link is not None
           and link["remote"] == "localhost" and link["software"].startswith("blendscope ")
           and "Linux" in link["kernel"] and link["n_exchanges"] >= 9
           and 0 <= link["rtt_ns"] and link["uncertainty_ns"] >= link["rtt_ns"] // 2
           and abs(link["offset_ns"]) <= 1000000 + link["uncertainty_ns"],
           "record: the run's link is stored (host, software, kernel, offset within 1 ms of 0,"
           " uncertainty ≥ rtt/2): %s" % link)
        ok(db_["run"]["host"].startswith("localhost (") and "remote" in db_["run"]["host"]
           and "remote" not in da["run"]["host"],
           "record: the run's host is the remote one: %s" % db_["run"]["host"])
        # A run long enough for power readings: the link bounds the energy attribution.
        long = cli("record", MODEL, "--backend", "ssh://localhost/cpu", "--probe", "synthetic",
                   "--db", db, "-n", "1500", env=env)
        shown = cli("show", "3", "--db", db, env=env)
        ok(long.returncode == 0 and shown.returncode == 0
           and "  remote        localhost: blendscope" in shown.stdout
           and "layer times are the remote host's" in shown.stdout,
           "show: the link, and what its uncertainty means for energy attribution: "
           + " | ".join(l.strip() for l in shown.stdout.splitlines() if "remote" in l or "energy  " in l))
        ok([l["name"] for l in da["layers"]] == [l["name"] for l in db_["layers"]],
           "record: same layer table")
        ok(db_["run"]["backend"] == "ssh://localhost/cpu" and db_["run"]["status"] == "complete",
           "record: the run names the remote backend and is complete")

        # a lab: two remote backends at once into one session, compared as any runs
        lab = os.path.join(tmp, "lab.db")
        r = cli("record", MODEL, "--backend", "ssh://kv260/cpu", "--backend", "ssh://alveo/cpu",
                "--probe", "synthetic", "--session", "lab", "--db", lab, "--duration", "2", env=env)
        # Run ids go to the jobs in the order they begin recording.
        l1, l2 = sorted((export(lab, 1, env), export(lab, 2, env)),
                        key=lambda d: d["link"]["remote"] != "kv260")
        span = lambda d: (d["run"]["t0_ns"], d["run"]["t0_ns"] + d["run"]["duration_ns"])
        (a0, a1), (b0, b1) = span(l1), span(l2)
        ok(r.returncode == 0 and l1["run"]["status"] == l2["run"]["status"] == "complete"
           and l1["run"]["session"] == l2["run"]["session"] == "lab"
           and l1["link"]["remote"] == "kv260" and l2["link"]["remote"] == "alveo"
           and len(structure(l1)) >= len(l1["layers"]) and len(structure(l2)) >= len(l1["layers"])
           and structure(l1)[:len(structure(l2))] == structure(l2)[:len(structure(l1))]
           and a0 < b1 and b0 < a1,
           "record, two backends at once: two complete runs in one session, overlapping in"
           " time (%.1f-%.1f ms and %.1f-%.1f ms), same event structure" % (
               0, (a1 - a0) / 1e6, (b0 - a0) / 1e6, (b1 - a0) / 1e6))
        c = cli("compare", "1", "2", "--db", lab, env=env)
        ok(c.returncode == 0 and "ssh://kv260/cpu" in c.stdout and "ssh://alveo/cpu" in c.stdout,
           "the lab's runs compare as any runs")
        r = cli("record", MODEL, "--backend", "ssh://kv260/cpu", "--backend", "ssh://alveo/nosuch",
                "--db", lab, "-n", "5", "--probe", "none", env=env)
        ok(r.returncode == 1 and "nosuch" in r.stderr and "run 3 complete" in r.stdout,
           "record, one backend of two cannot open: the other's run is kept, exit 1: "
           + r.stderr.strip().replace("\n", " | ")[-300:])

        # the agent killed mid-record
        pidfile = os.path.join(tmp, "agent.pid")
        kenv = dict(env, BS_TEST_AGENT_PIDFILE=pidfile)
        p = subprocess.Popen([CLI, "record", MODEL, "--backend", "ssh://localhost/cpu", "--probe",
                              "synthetic", "--db", db, "-n", "1000000"], env=kenv,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not os.path.exists(pidfile) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)
        with open(pidfile) as f:
            os.kill(int(f.read()), signal.SIGKILL)
        out, err = p.communicate(timeout=120)
        ok(p.returncode == 1 and "failed after" in err and "dropped during the run" in err
           and "killed by signal 9" in err, "record, agent killed: exit 1, clear message: "
           + err.strip().replace("\n", " | "))
        dk = export(db, 4, env)
        n_ev = len(structure(dk))
        ok(dk["run"]["status"] == "failed", "record, agent killed: the run is marked failed")
        ok(n_ev > 0 and n_ev % len(dk["layers"]) == 0,
           "record, agent killed: %d events of whole inferences kept" % n_ev)
    return tap.status()


if __name__ == "__main__":
    sys.exit(main())
