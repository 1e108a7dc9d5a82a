#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An agent of protocol version 2 (for test-ssh-backend's version check): reads the
client's HELLO and answers with a version-2 HELLO whose layout past the version is not
version 1's, then waits for the client to hang up."""
import struct
import sys

inp, out = sys.stdin.buffer, sys.stdout.buffer
header = inp.read(12)
if len(header) == 12:
    inp.read(struct.unpack("<I", header[8:12])[0])
payload = struct.pack("<I", 2) + b"\x00" * 20
out.write(b"BSAG" + struct.pack("<HHI", 1, 0, len(payload)) + payload)
out.flush()
inp.read()
