#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ssh backend through a real OpenSSH: Debian's sshd started by this test on
127.0.0.1 (a free port) with throw-away host and user keys in a temporary folder, and the
real ssh client (BS_SSH is a wrapper adding the test's key and known_hosts). sshd puts the
build's blendscope-cli on the session's PATH (SetEnv) and accepts the clock-shift
variable. Checks: `record` through ssh://127.0.0.1:PORT/cpu stores the same event
structure as --backend cpu; `run` gives the same logits; an agent clock shifted by 3 s is
estimated within 1 ms; a key the server does not know fails at once (BatchMode: no
password prompt). Skips (77) without /usr/sbin/sshd. TAP output."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CLI = os.environ["BS_CLI"]
MODEL = os.path.join(os.environ["BS_SOURCE_ROOT"], "data", "models", "blendnet20.bsm")
SSHD = "/usr/sbin/sshd"
n_test, failed = 0, False


def ok(cond, what):
    global n_test, failed
    n_test += 1
    print(("ok %d " if cond else "not ok %d ") % n_test + what.replace("\n", " | "))
    failed |= not cond


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if not os.access(SSHD, os.X_OK) or shutil.which("ssh") is None:
        print("1..0 # SKIP no %s or ssh (apt-get install openssh-server openssh-client)" % SSHD)
        return 77
    with tempfile.TemporaryDirectory(prefix="bs-real-ssh-") as tmp:
        for name in ("host", "user", "stranger"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            os.path.join(tmp, name)], check=True)
        shutil.copy(os.path.join(tmp, "user.pub"), os.path.join(tmp, "authorized_keys"))
        port = free_port()
        cfg = os.path.join(tmp, "sshd_config")
        with open(cfg, "w") as f:
            f.write(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {tmp}/host
PidFile {tmp}/sshd.pid
AuthorizedKeysFile {tmp}/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AcceptEnv BS_AGENT_CLOCK_OFFSET_NS XDG_CACHE_HOME
SetEnv PATH={os.path.dirname(CLI)}:/usr/bin:/bin
LogLevel ERROR
""")
        os.makedirs("/run/sshd", exist_ok=True)   # privilege separation, when root
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", cfg], stderr=subprocess.PIPE, text=True)
        try:
            return run_checks(tmp, port)
        finally:
            sshd.terminate()
            sshd.wait(timeout=10)


def wrapper(tmp, key):
    path = os.path.join(tmp, "ssh-" + key)
    with open(path, "w") as f:
        f.write(f"""#!/bin/sh
exec ssh -F /dev/null -i {tmp}/{key} -o IdentitiesOnly=yes -o UserKnownHostsFile={tmp}/known_hosts \\
  -o StrictHostKeyChecking=accept-new -o SendEnv=BS_AGENT_CLOCK_OFFSET_NS -o SendEnv=XDG_CACHE_HOME "$@"
""")
    os.chmod(path, 0o755)
    return path


def run_checks(tmp, port):
    env = dict(os.environ, BS_SSH=wrapper(tmp, "user"), XDG_CACHE_HOME=os.path.join(tmp, "cache"))
    spec = f"ssh://127.0.0.1:{port}/cpu"
    cli = lambda *a, e=env: subprocess.run([CLI, *a], env=e, capture_output=True, text=True, timeout=300)
    print("1..6")
    # sshd needs a moment to listen
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    a = cli("run", MODEL, "--backend", "cpu", "-n", "4", "--logits-out", os.path.join(tmp, "l.npy"))
    b = cli("run", MODEL, "--backend", spec, "-n", "4", "--logits-out", os.path.join(tmp, "r.npy"))
    ok(a.returncode == 0 and b.returncode == 0, "run through sshd: " + b.stderr.strip())
    same = b.returncode == 0 and open(os.path.join(tmp, "l.npy"), "rb").read() == open(os.path.join(tmp, "r.npy"), "rb").read()
    ok(same, "run through sshd: identical logits")

    db = os.path.join(tmp, "s.db")
    a = cli("record", MODEL, "--backend", "cpu", "--probe", "synthetic", "--db", db, "-n", "10")
    b = cli("record", MODEL, "--backend", spec, "--probe", "synthetic", "--db", db, "-n", "10")
    ok(a.returncode == 0 and b.returncode == 0, "record through sshd: " + b.stderr.strip())
    ev = []
    for run in (1, 2):
        r = cli("export", str(run), "--db", db, "--format", "json")
        e = json.loads(r.stdout)["events"] if r.returncode == 0 else {"inference": [], "op": [], "clock": []}
        ev.append(list(zip(e["inference"], e["op"], e["clock"])))
    ok(ev[0] == ev[1] and len(ev[0]) > 0, "record through sshd: same %d events (inference, op, clock)" % len(ev[0]))

    shifted = dict(env, BS_AGENT_CLOCK_OFFSET_NS="3000000000")
    c = cli("run", MODEL, "--backend", spec, "-n", "1", e=shifted)
    m = re.search(r"clock offset ([+-][0-9.]+) ms, uncertainty ([0-9.]+) ms", c.stderr)
    est = float(m.group(1)) if m else float("nan")
    ok(c.returncode == 0 and m is not None and abs(est - 3000.0) < 1.0,
       "offset through sshd: injected 3000 ms, estimated %s ms, round trip %s ms"
       % (m.group(1) if m else "?", m.group(2) if m else "?"))

    t0 = time.time()
    d = cli("run", MODEL, "--backend", spec, "-n", "1", e=dict(env, BS_SSH=wrapper(tmp, "stranger")))
    took = time.time() - t0
    ok(d.returncode != 0 and "Permission denied" in d.stderr and "could not log in" in d.stderr and took < 30,
       "unknown key: fails in %.1f s without a prompt: %s" % (took, d.stderr.strip()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
