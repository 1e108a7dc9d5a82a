/* SPDX-License-Identifier: GPL-3.0-or-later */
// bs_xnor48.v: one registered 48-bit XNOR lane, q = ~(a ^ b) one clock after a, b:
// the bitwise half of a binary dot product (docs/accelerator.md, "RTL").
`timescale 1ns / 1ps

// On a DSP48E2 in logic mode, NeuroBlend's use of the DSP slices: X = A:B (OPMODE[1:0]
// = 11), Y = 0 (OPMODE[3:2] = 00), Z = C (OPMODE[6:4] = 011), W = 0 (OPMODE[8:7] = 00),
// ALUMODE = 0101 gives P = X XNOR Z (UG579, two-input logic unit table), registered
// in PREG. The multiplier is unused (USE_MULT = "NONE"), so no fabric does the XNOR.
module bs_xnor48_dsp (
  input clk,
  input [47:0] a,
  input [47:0] b,
  output [47:0] q
);
  DSP48E2 #(
    .USE_MULT("NONE"), .USE_SIMD("ONE48"),
    .AREG(0), .BREG(0), .CREG(0), .MREG(0), .PREG(1),
    .ACASCREG(0), .BCASCREG(0), .OPMODEREG(0), .ALUMODEREG(0), .INMODEREG(0),
    .CARRYINREG(0), .CARRYINSELREG(0)
  ) dsp (
    .CLK(clk),
    .A(a[47:18]), .B(a[17:0]), .C(b),
    .OPMODE(9'b00_011_00_11), .ALUMODE(4'b0101), .INMODE(5'b00000),
    .CARRYINSEL(3'b000), .CARRYIN(1'b0),
    .CEP(1'b1), .RSTP(1'b0),
    .P(q)
  );
endmodule

// The same lane in fabric: 48 two-input XNORs and their 48 flip-flops (synthesis may
// fold the XNOR into the popcount's LUTs).
module bs_xnor48_lut (
  input clk,
  input [47:0] a,
  input [47:0] b,
  output reg [47:0] q
);
  always @(posedge clk)
    q <= ~(a ^ b);
endmodule
