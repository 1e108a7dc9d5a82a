/* SPDX-License-Identifier: GPL-3.0-or-later */
// bs_pe.v: one processing element of the bs_blend kernel's binary convolution
// (accel/kernel/bs-kernel.c, run_bconv): LANES 48-bit lanes per cycle, each an XNOR
// (a DSP48E2 in logic mode when USE_DSP, else fabric), the mask of real channels, a
// popcount; an accumulator of matches over a dot product; and the popcount threshold
// of the output transform: p = k_bits - matches, bit = (p > thr) XOR flip (1 is -1).
//
// Timing: a dot product is a run of in_valid cycles, in_first on its first and in_last
// on its last. out_valid rises 4 clocks after in_last, with out_match and out_bit;
// k_bits, thr and flip are the output channel's, held by the controller until then
// (the kernel loads them when a group emits). Pipeline: XNOR register, popcount
// register, accumulator, output register.
`timescale 1ns / 1ps
module bs_pe #(
  parameter integer LANES = 1,
  parameter integer USE_DSP = 1
) (
  input clk,
  input rst,
  input in_valid,
  input in_first,
  input in_last,
  input [48 * LANES - 1:0] a,
  input [48 * LANES - 1:0] w,
  input [48 * LANES - 1:0] mask,
  input [31:0] k_bits,
  input signed [31:0] thr,
  input flip,
  output reg out_valid,
  output reg [31:0] out_match,
  output reg out_bit
);
  localparam integer CW = $clog2(48 * LANES + 1);

  wire [48 * LANES - 1:0] xnor_q;
  reg [48 * LANES - 1:0] mask_q;
  reg [2:0] ctl_q;          // valid, first, last: XNOR stage
  reg [2:0] ctl_c;          // popcount stage
  reg acc_last;
  reg [CW - 1:0] count_q;
  reg [31:0] acc;

  genvar i;
  generate
    for (i = 0; i < LANES; i = i + 1) begin : lane
      if (USE_DSP != 0) begin : dsp
        bs_xnor48_dsp x (.clk(clk), .a(a[48 * i +: 48]), .b(w[48 * i +: 48]), .q(xnor_q[48 * i +: 48]));
      end else begin : lut
        bs_xnor48_lut x (.clk(clk), .a(a[48 * i +: 48]), .b(w[48 * i +: 48]), .q(xnor_q[48 * i +: 48]));
      end
    end
  endgenerate

  // The lanes' popcounts of the masked XNOR, summed.
  wire [6 * LANES - 1:0] lane_count;
  generate
    for (i = 0; i < LANES; i = i + 1) begin : pc
      bs_popcount48 p (.x(xnor_q[48 * i +: 48] & mask_q[48 * i +: 48]), .count(lane_count[6 * i +: 6]));
    end
  endgenerate
  reg [CW - 1:0] count_sum, lane_wide;
  integer j;
  always @* begin
    count_sum = {CW{1'b0}};
    for (j = 0; j < LANES; j = j + 1) begin
      lane_wide = {CW{1'b0}};
      lane_wide[5:0] = lane_count[6 * j +: 6];
      count_sum = count_sum + lane_wide;
    end
  end

  wire signed [31:0] mismatches = $signed(k_bits - acc);

  always @(posedge clk) begin
    if (rst) begin
      ctl_q <= 3'b0;
      ctl_c <= 3'b0;
      acc_last <= 1'b0;
      out_valid <= 1'b0;
    end else begin
      ctl_q <= {in_valid, in_valid & in_first, in_valid & in_last};
      ctl_c <= ctl_q;
      acc_last <= ctl_c[2] & ctl_c[0];
      out_valid <= acc_last;
    end
    mask_q <= mask;
    count_q <= count_sum;
    if (ctl_c[2])
      acc <= (ctl_c[1] ? 32'd0 : acc) + {{(32 - CW){1'b0}}, count_q};
    if (acc_last) begin
      out_match <= acc;
      out_bit <= (mismatches > thr) ^ flip;
    end
  end
endmodule

// The two variants yosys counts (tests/rtl/yosys-pe-counts.py).
module bs_pe_dsp #(parameter integer LANES = 1) (
  input clk, input rst, input in_valid, input in_first, input in_last,
  input [48 * LANES - 1:0] a, input [48 * LANES - 1:0] w, input [48 * LANES - 1:0] mask,
  input [31:0] k_bits, input signed [31:0] thr, input flip,
  output out_valid, output [31:0] out_match, output out_bit
);
  bs_pe #(.LANES(LANES), .USE_DSP(1)) pe (
    .clk(clk), .rst(rst), .in_valid(in_valid), .in_first(in_first), .in_last(in_last),
    .a(a), .w(w), .mask(mask), .k_bits(k_bits), .thr(thr), .flip(flip),
    .out_valid(out_valid), .out_match(out_match), .out_bit(out_bit));
endmodule

module bs_pe_lut #(parameter integer LANES = 1) (
  input clk, input rst, input in_valid, input in_first, input in_last,
  input [48 * LANES - 1:0] a, input [48 * LANES - 1:0] w, input [48 * LANES - 1:0] mask,
  input [31:0] k_bits, input signed [31:0] thr, input flip,
  output out_valid, output [31:0] out_match, output out_bit
);
  bs_pe #(.LANES(LANES), .USE_DSP(0)) pe (
    .clk(clk), .rst(rst), .in_valid(in_valid), .in_first(in_first), .in_last(in_last),
    .a(a), .w(w), .mask(mask), .k_bits(k_bits), .thr(thr), .flip(flip),
    .out_valid(out_valid), .out_match(out_match), .out_bit(out_bit));
endmodule
