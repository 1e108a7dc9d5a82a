#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpus of fuzz-agent-proto (tests/fuzz/corpus-agent/): a few frames of
the agent protocol (docs/agent-protocol.md) and conversations of several. Deterministic."""
import os
import struct
import sys

def frame(t, payload=b""):
    return b"BSAG" + struct.pack("<HHI", t, 0, len(payload)) + payload

def s(text):
    b = text.encode()
    return struct.pack("<I", len(b)) + b

SHA = b"ab" * 32
hello = frame(1, struct.pack("<Iqqq", 1, 1, 2, 3) + s("blendscope 0.1.0") + s("AMD EPYC 7B13")
              + s("Linux 6.1.0 x86_64") + struct.pack("<I", 2) + s("cpu") + s("csim"))
hello_v2 = frame(1, struct.pack("<I", 2) + b"\x00" * 8)
ping = frame(2, struct.pack("<Qqqq", 7, 100, 0, 0))
pong = frame(3, struct.pack("<Qqqq", 7, 100, 5000000150, 5000000160))
query = frame(4, SHA)
status = frame(5, SHA + b"\x01")
model = frame(6, SHA + struct.pack("<I", 8) + b"BSM\x00\x01\x02\x03\x04")
opn = frame(7, SHA + s("cpu:threads=1"))
opened = frame(8, struct.pack("<iiI", 5, 10, 3072) + s("CPU backend"))
run = frame(9, struct.pack("<II", 1, 4) + b"\x00\x10\x20\x30")
events = frame(10, struct.pack("<I", 2) + struct.pack("<iiqqB", 0, 0, 10, 20, 0)
               + struct.pack("<iiqqB", 0, 1, 20, 35, 2))
end = frame(11, struct.pack("<II", 1, 0) + struct.pack("<I", 8) + struct.pack("<ii", -4, 9) + s(""))
cancel = frame(12)
error = frame(13, struct.pack("<I", 15) + s("no backend called 'gpu'"))
bye = frame(14)
devices = frame(15)
devices_list = frame(16, struct.pack("<I", 21) + b"Backends:\n  cpu  ok\n\n")

seeds = {
    "hello.bin": hello, "hello-v2.bin": hello_v2, "ping.bin": ping, "pong.bin": pong,
    "query.bin": query, "status.bin": status, "model.bin": model, "open.bin": opn,
    "opened.bin": opened, "run.bin": run, "events.bin": events, "run-end.bin": end,
    "cancel.bin": cancel, "error.bin": error, "bye.bin": bye, "devices.bin": devices,
    "devices-list.bin": devices_list,
    "agent-side.bin": hello + pong + status + opened + events + events + end,
    "client-side.bin": hello + ping + query + model + opn + run + cancel + bye,
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus-agent")
os.makedirs(out, exist_ok=True)
for name, data in sorted(seeds.items()):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
