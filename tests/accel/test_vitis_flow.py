#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Vitis build flow without Vitis (accel/kernel/vitis/, docs/fpga-build.md), as TAP:

- `make -n` for every board at a design point `blendscope-cli explore` printed: the
  v++ compile and link commands carry that point's parameters, the board's platform and
  connectivity; bad input (an unknown option, a board without a named platform) stops make
  with a message;
- the kernel's arguments three ways: the top function's signature and interface pragmas
  (what v++ puts in the xclbin), the ABI header's enum, and the XRT backend's contract table
  (what it sets) name the same arguments in the same order, buffers first;
- the connectivity files map only the kernel's m_axi ports, every one on Alveo, and ports
  sharing an AXI bundle to the same bank;
- a lint for the synthesisable subset HLS accepts, by gcc: no variable-length arrays or
  alloca (every frame static, -fstack-usage), no library calls (no undefined symbol but
  memcpy/memset), no recursion and no calls through pointers (-fcallgraph-info)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("BS_SOURCE_ROOT") or os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ["BS_CLI"]
VITIS = os.path.join(SRC, "accel", "kernel", "vitis")
KERNEL = os.path.join(SRC, "accel", "kernel", "bs-kernel.c")
ABI = os.path.join(SRC, "accel", "kernel", "bs-kernel-abi.h")
XRT_CONTRACT = os.path.join(SRC, "accel", "xrt", "bs-xrt-xclbin.c")
MODEL = os.path.join(SRC, "data", "models", "blendnet20.bsm")

results = []


def check(ok, name, detail=""):
    results.append((ok, name, detail))


def make_n(*args):
    p = subprocess.run(["make", "-n", "-C", VITIS, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def fastest_front_point(board):
    """The first row of explore's front (lowest modelled latency): its csim spec."""
    out = subprocess.run([CLI, "explore", MODEL, "--board", board], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        m = re.search(r"\s(csim:pe=\d+,lanes=\d+,macs=\d+,clock=\d+)\s*$", line)
        if m:
            return m.group(1)
    raise RuntimeError("explore printed no design point for " + board)


def test_make_flow():
    for board in ["u50", "u250", "u280", "zcu104", "kv260", "ultra96v2"]:
        spec = fastest_front_point(board)
        opts = dict(kv.split("=") for kv in spec.split(":", 1)[1].split(","))
        extra = [] if board in ("u50", "u250", "u280", "zcu104") else ["PLATFORM=/opt/platforms/%s.xpfm" % board]
        rc, out, err = make_n("BOARD=" + board, "DESIGN=" + spec, *extra, "all", "package")
        compile_line = next((l for l in out.replace("\\\n", " ").splitlines() if "v++ -c" in l), "")
        link_line = next((l for l in out.splitlines() if "v++ -l" in l), "")
        want = ["-k bs_blend", "-t hw", "-D BS_KERNEL_PE=%s " % opts["pe"],
                "-D BS_KERNEL_XNOR_LANES=%s " % opts["lanes"], "-D BS_KERNEL_MACS=%s " % opts["macs"],
                "-D BS_KERNEL_CLOCK_KHZ=%s000u" % opts["clock"], "--hls.clock %s000000:bs_blend" % opts["clock"]]
        missing = [w for w in want if w not in compile_line + " "]
        cfg = "connectivity-%s.cfg" % (board if board in ("u50", "u250", "u280") else "edge")
        link_ok = ("--config " + cfg in link_line and "--kernel_frequency " + opts["clock"] in link_line)
        edge_ok = (board in ("u50", "u250", "u280")) or "--dump-section BITSTREAM:RAW:" in out
        check(rc == 0 and not missing and link_ok and edge_ok,
              "make -n BOARD=%s DESIGN=%s: v++ -c/-l carry the design point and %s" % (board, spec, cfg),
              "rc %d, missing %s, link %r, stderr %s" % (rc, missing, link_line, err.strip()))
    rc, out, err = make_n("BOARD=u50", "DESIGN=csim:pe=64,bogus=1")
    check(rc != 0 and "unknown option(s) bogus=1" in err, "an unknown design option stops make with a message", err)
    rc, out, err = make_n("BOARD=kv260")
    check(rc != 0 and "PLATFORM=" in err, "kv260 without PLATFORM= says to pass one", err)
    rc, out, err = make_n("BOARD=vcu118")
    check(rc != 0 and "one of" in err, "an unknown board is refused", err)


def kernel_interface():
    text = open(KERNEL).read()
    m = re.search(r"\nvoid\s*\nbs_blend\s*\(([^)]*)\)\s*\{(.*?)\n\s*uint64_t status", text, re.S)
    if not m:
        raise RuntimeError("bs_blend's definition not found in bs-kernel.c")
    names = [re.findall(r"(\w+)\s*$", a.strip())[0] for a in m.group(1).split(",")]
    maxi = {}
    lite = set()
    for port, bundle in re.findall(r"#pragma HLS INTERFACE m_axi port=(\w+)\b[^\n]*?bundle=(\w+)", m.group(2)):
        maxi[port] = bundle
    for port in re.findall(r"#pragma HLS INTERFACE s_axilite port=(\w+)", m.group(2)):
        lite.add(port)
    return names, maxi, lite


def test_kernel_arguments():
    names, maxi, lite = kernel_interface()
    abi = open(ABI).read()
    enum = [n.lower() for n in re.findall(r"BS_KERNEL_ARG_(\w+)\s*(?:=\s*0\s*)?,", abi)]
    n_buffers = int(re.search(r"#define BS_KERNEL_N_BUFFER_ARGS (\d+)", abi).group(1))
    contract = re.findall(r'\[BS_KERNEL_ARG_(\w+)\] = \{ "(\w+)", (TRUE|FALSE) \}', open(XRT_CONTRACT).read())
    check(names == enum, "the kernel's arguments are the ABI enum's, in order", "%s vs %s" % (names, enum))
    check([c[1] for c in contract] == names and [c[0].lower() for c in contract] == names,
          "the XRT backend's contract names the kernel's arguments in order", str(contract))
    buffers = [c[1] for c in contract if c[2] == "TRUE"]
    check(names[:n_buffers] == list(maxi) == buffers and len(buffers) == n_buffers,
          "buffers first: m_axi ports = BS_KERNEL_N_BUFFER_ARGS = the contract's buffers",
          "%s / %d / %s" % (list(maxi), n_buffers, buffers))
    check(lite >= set(names) and "return" in lite, "every argument and the return on s_axilite (ap_ctrl_hs)",
          str(sorted(lite)))


def test_connectivity():
    names, maxi, lite = kernel_interface()
    for cfg in sorted(f for f in os.listdir(VITIS) if f.startswith("connectivity-")):
        sp = dict(re.findall(r"^sp=bs_blend_1\.(\w+):(\S+)", open(os.path.join(VITIS, cfg)).read(), re.M))
        alveo = "edge" not in cfg
        unknown = set(sp) - set(maxi)
        unmapped = set(maxi) - set(sp) if alveo else set()
        split = [b for b in set(maxi.values()) if len({sp[p] for p in maxi if maxi[p] == b and p in sp}) > 1]
        check(not unknown and not unmapped and not split and (sp or not alveo),
              "%s: only m_axi ports, %s, one bank per AXI bundle" % (cfg, "every one mapped" if alveo else "banks left to the platform"),
              "unknown %s unmapped %s split bundles %s" % (sorted(unknown), sorted(unmapped), split))


def test_synthesisable_subset():
    cc = shutil.which("gcc") or shutil.which("cc")
    tmp = tempfile.mkdtemp(prefix="bs-kernel-lint-")
    try:
        obj = os.path.join(tmp, "bs-kernel.o")
        p = subprocess.run([cc, "-c", "-O1", "-std=c99", "-ffreestanding", "-fno-builtin", "-Wall", "-Werror",
                            "-Wvla", "-Wno-unknown-pragmas", "-fstack-usage", "-fcallgraph-info",
                            "-I", os.path.dirname(KERNEL), "-I", os.path.join(SRC, "core"), KERNEL, "-o", obj],
                           cwd=tmp, capture_output=True, text=True)
        check(p.returncode == 0, "bs-kernel.c compiles freestanding with -Wvla -Werror", p.stderr[-800:])
        if p.returncode != 0:
            return
        undefined = subprocess.run(["nm", "-u", obj], capture_output=True, text=True, check=True).stdout.split()
        calls = [u for u in undefined if u not in ("U", "memcpy", "memset")]
        check(not calls, "no library calls (undefined symbols: memcpy/memset at most)", str(calls))
        su = open(os.path.join(tmp, "bs-kernel.su")).read().splitlines()
        dynamic = [l for l in su if not l.rstrip().endswith("static")]
        check(su and not dynamic, "every function's frame is static: no VLA, no alloca (%d functions)" % len(su),
              str(dynamic))
        ci = open(os.path.join(tmp, "bs-kernel.ci")).read()
        edges = [(a.split(":")[-1], b.split(":")[-1])
                 for a, b in re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', ci)]
        graph = {}
        for a, b in edges:
            graph.setdefault(a, set()).add(b)
        indirect = [e for e in edges if "indirect" in e[1]]
        check(not indirect, "no call through a pointer", str(indirect))
        state = {}

        def cyclic(n):
            state[n] = 1
            for m in graph.get(n, ()):
                if state.get(m) == 1 or (m not in state and cyclic(m)):
                    return True
            state[n] = 2
            return False
        check(edges and not any(cyclic(n) for n in list(graph) if n not in state),
              "no recursion (%d call edges, acyclic)" % len(edges))
    finally:
        shutil.rmtree(tmp)


def main():
    for t in (test_make_flow, test_kernel_arguments, test_connectivity, test_synthesisable_subset):
        try:
            t()
        except Exception as e:  # a broken check is a failure, never a pass
            check(False, t.__name__, repr(e))
    print("1..%d" % len(results))
    for i, (ok, name, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok and detail:
            for line in str(detail).splitlines():
                print("#   " + line)
    sys.exit(0 if all(r[0] for r in results) else 1)


if __name__ == "__main__":
    main()
