#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Simulates the RTL processing element (accel/kernel/rtl/) with iverilog, on test
vectors the C kernel's own code computes (gen-pe-vectors), and checks the
repository's DSP48E2 logic-unit model against yosys' DSP48E1 model. Speaks TAP.

Usage: run-pe-sim.py GEN IVERILOG VVP SOURCE_ROOT YOSYS_SHARE

BS_UNISIM_DIR=/path/to/unisims (a local copy of Xilinx's unisim library, not part of
this repository) simulates the PE with Xilinx's DSP48E2.v and glbl.v instead of the
behavioural model."""
import os
import subprocess
import sys
import tempfile

N_VECTORS = 400
LANES = (1, 2, 3)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def simulate(iverilog, vvp, sources, defines, top, workdir):
    exe = os.path.join(workdir, top + ".vvp")
    cmd = [iverilog, "-g2012", "-o", exe, "-s", top]
    cmd += ["-D%s=%s" % kv for kv in defines.items()] + sources
    comp = run(cmd)
    if comp.returncode != 0:
        return "iverilog failed: " + comp.stderr.strip()
    out = run([vvp, "-n", exe])
    lines = out.stdout.strip().splitlines()
    return lines[-1] if lines else "no output: " + out.stderr.strip()


def dsp_sources(root):
    unisim = os.environ.get("BS_UNISIM_DIR")
    if unisim:
        return [os.path.join(unisim, "DSP48E2.v"), os.path.join(unisim, "..", "glbl.v")], "Xilinx unisim"
    return [os.path.join(root, "accel/kernel/rtl/bs_dsp48e2_logic.v")], "the behavioural model"


def main():
    gen, iverilog, vvp, root, yosys_share = sys.argv[1:6]
    rtl = os.path.join(root, "accel/kernel/rtl")
    tb = os.path.join(root, "tests/rtl")
    dsp, dsp_name = dsp_sources(root)
    pe_sources = [os.path.join(rtl, f) for f in ("bs_xnor48.v", "bs_popcount48.v", "bs_pe.v")]
    cases = [(lanes, use_dsp) for lanes in LANES for use_dsp in (1, 0)]
    print("1..%d" % (len(cases) + 1))
    failed = False
    with tempfile.TemporaryDirectory() as work:
        result = simulate(iverilog, vvp, [os.path.join(rtl, "bs_dsp48e2_logic.v"),
                                          os.path.join(tb, "dsp_logic_tb.v"),
                                          os.path.join(yosys_share, "xilinx/cells_sim.v")],
                          {}, "dsp_logic_tb", work)
        ok = result.startswith("PASS")
        failed |= not ok
        print("%s 1 - DSP48E2 logic-unit model equals yosys' DSP48E1 model: %s"
              % ("ok" if ok else "not ok", result))
        for i, (lanes, use_dsp) in enumerate(cases, start=2):
            vectors = os.path.join(work, "vectors-%d.txt" % lanes)
            if not os.path.exists(vectors):
                with open(vectors, "w") as f:
                    subprocess.run([gen, str(lanes), str(N_VECTORS), str(1000 + lanes)], stdout=f, check=True)
            defines = {"LANES": lanes, "USE_DSP": use_dsp, "VECTORS": '"%s"' % vectors}
            result = simulate(iverilog, vvp, (dsp if use_dsp else []) + pe_sources
                              + [os.path.join(tb, "bs_pe_tb.v")], defines, "bs_pe_tb", work)
            ok = result == "PASS %d" % N_VECTORS
            failed |= not ok
            variant = ("DSP48E2 XNOR (%s)" % dsp_name) if use_dsp else "LUT XNOR"
            print("%s %d - PE, %d lane(s), %s, bit-exact with the C kernel on %d dot products: %s"
                  % ("ok" if ok else "not ok", i, lanes, variant, N_VECTORS, result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
