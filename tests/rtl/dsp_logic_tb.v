/* SPDX-License-Identifier: GPL-3.0-or-later */
// dsp_logic_tb.v: checks the repository's behavioural DSP48E2 logic unit
// (accel/kernel/rtl/bs_dsp48e2_logic.v, written from UG579's table) against yosys'
// DSP48E1 simulation model (yosys-share/xilinx/cells_sim.v, written from the ALU's
// structure), whose two-input logic unit is the same: every logic ALUMODE, Y = 0 and
// Y = all ones, X = A:B or P, Z = C or P, on random operands. Prints "PASS n".
`timescale 1ns / 1ps
module dsp_logic_tb;
  reg clk = 1'b0;
  reg [29:0] a;
  reg [17:0] b;
  reg [47:0] c;
  reg [3:0] alumode;
  reg [8:0] opmode;
  wire [47:0] p_model, p_yosys;

  DSP48E2 #(
    .USE_MULT("NONE"), .AREG(0), .BREG(0), .CREG(0), .MREG(0), .PREG(1),
    .ACASCREG(0), .BCASCREG(0), .OPMODEREG(0), .ALUMODEREG(0), .INMODEREG(0),
    .CARRYINREG(0), .CARRYINSELREG(0)
  ) model (
    .CLK(clk), .A(a), .B(b), .C(c), .OPMODE(opmode), .ALUMODE(alumode),
    .INMODE(5'b0), .CARRYINSEL(3'b0), .CARRYIN(1'b0), .CEP(1'b1), .RSTP(1'b0), .P(p_model));

  DSP48E1 #(
    .USE_MULT("NONE"), .AREG(0), .BREG(0), .CREG(0), .MREG(0), .PREG(1),
    .ACASCREG(0), .BCASCREG(0), .OPMODEREG(0), .ALUMODEREG(0), .INMODEREG(0),
    .CARRYINREG(0), .CARRYINSELREG(0), .USE_DPORT("FALSE")
  ) reference (
    .CLK(clk), .A(a), .B(b), .C(c), .D(25'b0), .OPMODE(opmode[6:0]), .ALUMODE(alumode),
    .INMODE(5'b0), .CARRYINSEL(3'b0), .CARRYIN(1'b0),
    .ACIN(30'b0), .BCIN(18'b0), .PCIN(48'b0), .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0),
    .CEA1(1'b0), .CEA2(1'b0), .CEAD(1'b0), .CEALUMODE(1'b0), .CEB1(1'b0), .CEB2(1'b0),
    .CEC(1'b0), .CECARRYIN(1'b0), .CECTRL(1'b0), .CED(1'b0), .CEINMODE(1'b0), .CEM(1'b0),
    .CEP(1'b1), .RSTA(1'b0), .RSTALLCARRYIN(1'b0), .RSTALUMODE(1'b0), .RSTB(1'b0),
    .RSTC(1'b0), .RSTCTRL(1'b0), .RSTD(1'b0), .RSTINMODE(1'b0), .RSTM(1'b0), .RSTP(1'b0),
    .P(p_yosys));

  reg [3:0] modes [0:7];
  integer i, m, y, x, z, n, errors;

  initial begin
    modes[0] = 4'b0100; modes[1] = 4'b0101; modes[2] = 4'b0110; modes[3] = 4'b0111;
    modes[4] = 4'b1100; modes[5] = 4'b1101; modes[6] = 4'b1110; modes[7] = 4'b1111;
    errors = 0;
    n = 0;
    // Clear P in both: X = 0, Z = 0, XOR.
    a = 0; b = 0; c = 0; alumode = 4'b0100; opmode = 9'b0;
    #1 clk = 1'b1; #1 clk = 1'b0;
    for (m = 0; m < 8; m = m + 1)
      for (y = 0; y < 2; y = y + 1)
        for (x = 0; x < 2; x = x + 1)
          for (z = 0; z < 2; z = z + 1)
            for (i = 0; i < 64; i = i + 1) begin
              a = {$random, $random};
              b = $random;
              c = {$random, $random};
              alumode = modes[m];
              // W = 0; Z = C (011) or P (010); Y = 0 (00) or ones (10); X = A:B (11) or P (10).
              opmode = {2'b00, z ? 3'b011 : 3'b010, y ? 2'b10 : 2'b00, x ? 2'b11 : 2'b10};
              #1 clk = 1'b1;
              #1 clk = 1'b0;
              n = n + 1;
              if (p_model !== p_yosys) begin
                errors = errors + 1;
                if (errors <= 10)
                  $display("FAIL ALUMODE %b OPMODE %b: model %h, yosys DSP48E1 %h", alumode, opmode, p_model, p_yosys);
              end
            end
    if (errors == 0) $display("PASS %0d", n);
    else $display("FAIL %0d of %0d", errors, n);
    $finish;
  end
endmodule
