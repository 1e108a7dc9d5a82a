#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""slow-link.py: stands in for ssh (BS_SSH) like fake-ssh.sh, and delays every byte by
BS_LINK_DELAY_MS (default 10) in each direction, so that the agent protocol runs over a
link with a known round trip (2 × the delay). The kernel here has no netem (tc refuses the
qdisc), so the delay is made in user space: each chunk read from one side is written to
the other when its time has come, in order; nothing is dropped. Used by
check_slow_link.py."""
import os
import queue
import subprocess
import sys
import threading
import time

DELAY = float(os.environ.get("BS_LINK_DELAY_MS", "10")) / 1000.0
INNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake-ssh.sh")


def pump(src, dst):
    """Reads chunks from src as they come and writes each DELAY after it arrived."""
    q = queue.Queue()

    def reader():
        while True:
            chunk = os.read(src, 65536)
            q.put((time.monotonic() + DELAY, chunk))
            if not chunk:
                return

    def writer():
        while True:
            due, chunk = q.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not chunk:
                os.close(dst)
                return
            try:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(dst, view):]
            except OSError:
                return

    threads = [threading.Thread(target=reader, daemon=True), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    return threads[1]


def main():
    agent = subprocess.Popen(["sh", INNER, *sys.argv[1:]], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    to_agent = pump(sys.stdin.fileno(), agent.stdin.fileno())
    from_agent = pump(agent.stdout.fileno(), sys.stdout.fileno())
    from_agent.join()
    status = agent.wait()
    to_agent.join(timeout=1)
    return status


if __name__ == "__main__":
    sys.exit(main())
