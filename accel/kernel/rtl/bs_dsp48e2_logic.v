/* SPDX-License-Identifier: GPL-3.0-or-later */
// bs_dsp48e2_logic.v: a behavioural model of the DSP48E2's two-input logic unit, for
// simulation only (yosys ships DSP48E2 as a black box; Xilinx's unisim model is not
// redistributable). Same module, parameter and port names as the primitive, so the
// PE instantiates the real DSP48E2 in synthesis and Xilinx's unisim replaces this file
// when a user points the testbench at a local copy (tests/rtl/run-pe-sim.py).
//
// Covered: USE_MULT = "NONE", USE_SIMD = "ONE48", no input registers (AREG = BREG =
// CREG = 0), no OPMODE/ALUMODE registers, P registered or not (PREG). The ALU in logic
// mode, after UG579 (UltraScale Architecture DSP Slice User Guide), "Two-Input Logic
// Unit" table: X from OPMODE[1:0] (00 zero, 10 P, 11 A:B), Y from OPMODE[3:2] (00 zero,
// 10 all ones), Z from OPMODE[6:4] (000 zero, 010 P, 011 C), W (OPMODE[8:7]) zero.
//
//   OPMODE[3:2] = 00: ALUMODE 0100 X XOR Z    0101 X XNOR Z   0110 X XNOR Z   0111 X XOR Z
//                     1100 X AND Z    1101 X AND ~Z   1110 X NAND Z   1111 ~X OR Z
//   OPMODE[3:2] = 10: ALUMODE 0100 X XNOR Z   0101 X XOR Z    0110 X XOR Z    0111 X XNOR Z
//                     1100 X OR Z     1101 X OR ~Z    1110 X NOR Z    1111 ~X AND Z
//
// Anything else (arithmetic, the multiplier, cascades, SIMD) stops the simulation with
// $fatal rather than computing something plausible. tests/rtl/ checks this table
// against yosys' own DSP48E1 simulation model, whose logic unit is the same.
`timescale 1ns / 1ps
// The primitive's parameters and ports that configure what is not modelled are kept
// for the instance's sake and checked, not used.
/* verilator lint_off UNUSEDPARAM */
/* verilator lint_off UNUSEDSIGNAL */
module DSP48E2 #(
  parameter USE_MULT = "MULTIPLY",
  parameter USE_SIMD = "ONE48",
  parameter integer AREG = 1,
  parameter integer BREG = 1,
  parameter integer CREG = 1,
  parameter integer MREG = 1,
  parameter integer PREG = 1,
  parameter integer ACASCREG = 1,
  parameter integer BCASCREG = 1,
  parameter integer OPMODEREG = 1,
  parameter integer ALUMODEREG = 1,
  parameter integer INMODEREG = 1,
  parameter integer CARRYINREG = 1,
  parameter integer CARRYINSELREG = 1
) (
  input CLK,
  input [29:0] A,
  input [17:0] B,
  input [47:0] C,
  input [8:0] OPMODE,
  input [3:0] ALUMODE,
  input [4:0] INMODE,
  input [2:0] CARRYINSEL,
  input CARRYIN,
  input CEP,
  input RSTP,
  output [47:0] P
);
  localparam [47:0] ONES = {48{1'b1}};

  initial begin
    if (USE_MULT != "NONE" || USE_SIMD != "ONE48")
      $fatal(1, "DSP48E2 model: only USE_MULT=\"NONE\", USE_SIMD=\"ONE48\"");
    if (AREG != 0 || BREG != 0 || CREG != 0 || MREG != 0 || OPMODEREG != 0 || ALUMODEREG != 0)
      $fatal(1, "DSP48E2 model: input, M, OPMODE and ALUMODE registers are not modelled");
    if (PREG != 0 && PREG != 1)
      $fatal(1, "DSP48E2 model: PREG must be 0 or 1");
  end

  reg [47:0] p_q = 48'b0;
  reg [47:0] x, y, z, logic_out;

  always @* begin
    case (OPMODE[1:0])
      2'b00: x = 48'b0;
      2'b10: x = p_q;
      2'b11: x = {A, B};
      default: x = 48'bx;
    endcase
    case (OPMODE[3:2])
      2'b00: y = 48'b0;
      2'b10: y = ONES;
      default: y = 48'bx;
    endcase
    case (OPMODE[6:4])
      3'b000: z = 48'b0;
      3'b010: z = p_q;
      3'b011: z = C;
      default: z = 48'bx;
    endcase
    if (y == 48'b0)
      case (ALUMODE)
        4'b0100, 4'b0111: logic_out = x ^ z;
        4'b0101, 4'b0110: logic_out = ~(x ^ z);
        4'b1100: logic_out = x & z;
        4'b1101: logic_out = x & ~z;
        4'b1110: logic_out = ~(x & z);
        4'b1111: logic_out = ~x | z;
        default: logic_out = 48'bx;
      endcase
    else
      case (ALUMODE)
        4'b0100, 4'b0111: logic_out = ~(x ^ z);
        4'b0101, 4'b0110: logic_out = x ^ z;
        4'b1100: logic_out = x | z;
        4'b1101: logic_out = x | ~z;
        4'b1110: logic_out = ~(x | z);
        4'b1111: logic_out = ~x & z;
        default: logic_out = 48'bx;
      endcase
  end

  // Only the logic unit is modelled: stop on anything else once inputs settle.
  always @(posedge CLK)
    if (OPMODE[8:7] !== 2'b00 || ALUMODE[2] !== 1'b1 || ^x === 1'bx || ^y === 1'bx || ^z === 1'bx)
      $fatal(1, "DSP48E2 model: OPMODE %b ALUMODE %b is not a modelled logic mode", OPMODE, ALUMODE);

  always @(posedge CLK)
    if (RSTP) p_q <= 48'b0;
    else if (CEP) p_q <= logic_out;

  assign P = PREG != 0 ? p_q : logic_out;
endmodule
/* verilator lint_on UNUSEDSIGNAL */
/* verilator lint_on UNUSEDPARAM */
