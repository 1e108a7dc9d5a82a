#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora of fuzz-npy, fuzz-idx, fuzz-png and fuzz-probe-spec (tests/fuzz/README.md).

Standard library only, deterministic: run it again and unchanged seeds stay identical.
Usage: /usr/bin/python3 tests/fuzz/make-input-seeds.py
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "wb") as f:
        f.write(data)


def npy(name, descr, shape, data, version=1):
    """NumPy's own layout: header padded with spaces to a multiple of 64, ending in '\\n'."""
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    preamble = 10 if version == 1 else 12
    header += " " * (-(preamble + len(header) + 1) % 64) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    write("corpus-npy", name, b"\x93NUMPY" + bytes([version, 0]) + length + header.encode() + data)


def idx(name, shape, data):
    """IDX as the MNIST files: 0 0 8 n, big-endian dimensions, unsigned bytes."""
    write("corpus-idx", name, bytes([0, 0, 8, len(shape)])
          + b"".join(struct.pack(">I", d) for d in shape) + data)


def png(name, width, height, color_type, rows, depth=8):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + row for row in rows)   # filter type 0 on every row
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    write("corpus-png", name, b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
          + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    npy("image-3x4x4.npy", "|u1", (3, 4, 4), bytes(range(48)))
    npy("batch-2x1x2x2.npy", "|u1", (2, 1, 2, 2), bytes(range(8)))
    npy("logits-2x3.npy", "<i4", (2, 3), struct.pack("<6i", -1, 0, 1, 2**31 - 1, -2**31, 42))
    npy("v2-1x2x2.npy", "|u1", (1, 2, 2), bytes(4), version=2)
    npy("one-dim.npy", "|u1", (5,), bytes(5))

    idx("images-3x4x4.idx", (3, 4, 4), bytes(range(48)))
    idx("labels-5.idx", (5,), bytes([9, 0, 3, 2, 7]))
    idx("one-1x1x1x1.idx", (1, 1, 1, 1), b"\xff")

    png("gray-4x2.png", 4, 2, 0, [bytes([0, 64, 128, 255])] * 2)
    png("rgb-3x2.png", 3, 2, 2, [bytes(range(9)), bytes(range(9, 18))])
    png("rgba-2x2.png", 2, 2, 6, [bytes(range(8))] * 2)
    png("gray16-2x2.png", 2, 2, 0, [bytes(4)] * 2, depth=16)
    png("palette-2x2.png", 2, 2, 3, [bytes(2)] * 2)   # no PLTE chunk: a broken seed

    specs = [
        "sigrok:demo:samplerate=10:channels=A0,A1",
        "xmc:bdf=0000:3b:00.1:rate=20",
        "synthetic:seed=1\\:x=2:watts=12.5:noise=0.1",
        "hwmon:path=/sys/class/hwmon/hwmon0:interval=10ms:rate=1kHz",
        "rapl:interval=0.5:rate=2MHz",
        "sigrok:mooshimeter-dmm:conn=bt/ble/00:11:22:33:44:55",
    ]
    for i, spec in enumerate(specs):
        write("corpus-probe-spec", "spec-%d.txt" % i, spec.encode())


if __name__ == "__main__":
    main()
