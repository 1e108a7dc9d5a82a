/* SPDX-License-Identifier: GPL-3.0-or-later */
// bs_pe_tb.v: drives accel/kernel/rtl/bs_pe.v with the vectors gen-pe-vectors writes
// from the C kernel's own code, and compares matches and the threshold bit with the
// kernel's, bit for bit. Prints "PASS n" or "FAIL ..." lines; run-pe-sim.py runs it.
// Defines: LANES, USE_DSP, VECTORS (the file).
`timescale 1ns / 1ps
module bs_pe_tb;
  localparam integer W = 48 * `LANES;

  reg clk = 1'b0, rst = 1'b1;
  reg in_valid = 1'b0, in_first = 1'b0, in_last = 1'b0;
  reg [W - 1:0] a = 0, w = 0, mask = 0;
  reg [31:0] k_bits = 0, thr = 0;
  reg flip = 1'b0;
  wire out_valid, out_bit;
  wire [31:0] out_match;

  bs_pe #(.LANES(`LANES), .USE_DSP(`USE_DSP)) dut (
    .clk(clk), .rst(rst), .in_valid(in_valid), .in_first(in_first), .in_last(in_last),
    .a(a), .w(w), .mask(mask), .k_bits(k_bits), .thr(thr), .flip(flip),
    .out_valid(out_valid), .out_match(out_match), .out_bit(out_bit));

  always #5 clk = ~clk;

  integer fd, n, i, s, steps, errors, waited, r;
  reg [31:0] exp_match;
  reg exp_bit;
  // $fscanf assigns at once: read into these, then drive the DUT with nonblocking
  // assignments, so no input changes in the same step as a clock edge samples it.
  reg [W - 1:0] a_f, w_f, mask_f;

  initial begin
    errors = 0;
    fd = $fopen(`VECTORS, "r");
    if (fd == 0) $fatal(1, "cannot open %s", `VECTORS);
    r = $fscanf(fd, "%h", n);
    repeat (2) @(posedge clk);
    rst <= 1'b0;
    for (i = 0; i < n; i = i + 1) begin
      r = $fscanf(fd, "%h %h %h %h %h %h", steps, k_bits, thr, flip, exp_match, exp_bit);
      if (r != 6) $fatal(1, "vector %0d: bad header", i);
      for (s = 0; s < steps; s = s + 1) begin
        r = $fscanf(fd, "%h %h %h", a_f, w_f, mask_f);
        if (r != 3) $fatal(1, "vector %0d: bad lane row %0d", i, s);
        a <= a_f;
        w <= w_f;
        mask <= mask_f;
        in_valid <= 1'b1;
        in_first <= s == 0;
        in_last <= s == steps - 1;
        @(posedge clk);
      end
      in_valid <= 1'b0;
      in_first <= 1'b0;
      in_last <= 1'b0;
      waited = 0;
      while (!out_valid && waited < 16) begin
        @(posedge clk);
        #1 waited = waited + 1;
      end
      if (!out_valid || out_match !== exp_match || out_bit !== exp_bit) begin
        errors = errors + 1;
        $display("FAIL vector %0d: steps %0d K %0d thr %0d flip %0d: match %0d bit %b, kernel %0d %b (after %0d clocks)",
                 i, steps, k_bits, $signed(thr), flip, out_match, out_bit, exp_match, exp_bit, waited);
      end
      @(posedge clk);
    end
    if (errors == 0) $display("PASS %0d", n);
    else $display("FAIL %0d of %0d", errors, n);
    $finish;
  end
endmodule
