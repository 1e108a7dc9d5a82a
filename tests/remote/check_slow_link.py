#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`blendscope-cli record` through a 20 ms round-trip link (slow-link.py: 10 ms each way,
in user space; this kernel has no netem) to an agent whose clock is 3 s ahead and gains
50 ppm (BS_AGENT_CLOCK_OFFSET_NS, BS_AGENT_CLOCK_DRIFT_PPM). Checks, against the truth
the test injected (not against the code under test): the stored offset is within 1 ms of
the agent's true offset at the reference time, and within the stated uncertainty; the
stored round trip shows the link's 20 ms; the events have the structure of a local run
of the same model. TAP output."""
import os
import sys
import tempfile
import time

from remote_tap import CLI, MODEL, Tap, cli, export, structure

HERE = os.path.dirname(os.path.abspath(__file__))
OFFSET_NS, DRIFT_PPM, DELAY_MS = 3_000_000_000, 50.0, 10
tap = Tap()
ok = tap.ok


def main():
    print("1..4")
    with tempfile.TemporaryDirectory(prefix="bs-slow-link-") as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=tmp, BS_AGENT_CLI=CLI, BS_LINK_DELAY_MS=str(DELAY_MS))
        db = os.path.join(tmp, "s.db")
        local = cli("record", MODEL, "--backend", "cpu", "--db", db, "-n", "60", env=env)
        slow = dict(env, BS_SSH=os.path.join(HERE, "slow-link.py"),
                    BS_AGENT_CLOCK_OFFSET_NS=str(OFFSET_NS), BS_AGENT_CLOCK_DRIFT_PPM=str(DRIFT_PPM))
        launched = time.monotonic_ns()       # CLOCK_MONOTONIC, blendscope's one clock
        remote = cli("record", MODEL, "--backend", "ssh://localhost/cpu", "--db", db, "-n", "60",
                     env=slow)
        ok(local.returncode == 0 and remote.returncode == 0,
           "record through a 20 ms link succeeds: " + remote.stderr.strip()[-300:])
        a, b = export(db, 1, env), export(db, 2, env)
        ok(structure(a) == structure(b) and len(structure(a)) == 60 * len(a["layers"]),
           "the events have a local run's structure (%d events)" % len(structure(b)))
        link = b["link"]
        t_ref = b["run"]["t0_ns"] + link["t_ref_ns"] if "t0_ns" in b["run"] else None
        ok(link["rtt_ns"] >= 2 * DELAY_MS * 1_000_000 and link["uncertainty_ns"] >= link["rtt_ns"] // 2,
           "the stored round trip shows the link (%.3f ms ≥ 20 ms), the uncertainty covers half"
           " of it (± %.3f ms)" % (link["rtt_ns"] / 1e6, link["uncertainty_ns"] / 1e6))
        # The agent's clock started between `launched` and the run's start: its true offset
        # at t_ref lies between these two values.
        if t_ref is None:
            ok(False, "the export names the run's t0")
            return 1
        lo = OFFSET_NS + DRIFT_PPM * 1e-6 * (t_ref - (b["run"]["t0_ns"]))
        hi = OFFSET_NS + DRIFT_PPM * 1e-6 * (t_ref - launched)
        err = max(abs(link["offset_ns"] - lo), abs(link["offset_ns"] - hi))
        ok(err < 1_000_000 and err <= link["uncertainty_ns"] + (hi - lo),
           "offset %+.6f ms vs injected %+.6f…%+.6f ms: off by ≤ %.3f ms (< 1 ms, and within"
           " ± %.3f ms); drift %s ppm over %d exchanges" % (
               link["offset_ns"] / 1e6, lo / 1e6, hi / 1e6, err / 1e6,
               link["uncertainty_ns"] / 1e6, link.get("drift_ppm", "not fitted"),
               link["n_exchanges"]))
    return tap.status()


if __name__ == "__main__":
    sys.exit(main())
