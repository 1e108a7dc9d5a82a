/* SPDX-License-Identifier: GPL-3.0-or-later */
// bs_mac8.v: one MAC unit of the kernel's fixed-point convolution (run_qconv): an
// int8 activation times an int8 weight added to an int32 accumulator each clock. Only
// for counting resources (tests/rtl/yosys-pe-counts.py): yosys maps the product and
// the accumulation onto one DSP48E2 (multiplier, P register, and the P feedback of
// its ALU).
`timescale 1ns / 1ps
module bs_mac8 (
  input clk,
  input clear,
  input signed [7:0] x,
  input signed [7:0] w,
  output reg signed [31:0] acc
);
  always @(posedge clk)
    acc <= (clear ? 32'sd0 : acc) + x * w;
endmodule
