/* SPDX-License-Identifier: GPL-3.0-or-later */
// bs_popcount48.v: the number of ones in 48 bits, as a tree: eight 6-bit groups (each
// output bit one LUT6), then three levels of adders. Combinational.
`timescale 1ns / 1ps
module bs_popcount48 (
  input [47:0] x,
  output [5:0] count
);
  function [2:0] ones6(input [5:0] v);
    integer i;
    begin
      ones6 = 3'd0;
      for (i = 0; i < 6; i = i + 1)
        ones6 = ones6 + {2'b00, v[i]};
    end
  endfunction

  wire [2:0] g [0:7];
  genvar i;
  generate
    for (i = 0; i < 8; i = i + 1) begin : group
      assign g[i] = ones6(x[6 * i +: 6]);
    end
  endgenerate

  wire [3:0] s1_0 = g[0] + g[1], s1_1 = g[2] + g[3], s1_2 = g[4] + g[5], s1_3 = g[6] + g[7];
  wire [4:0] s2_0 = s1_0 + s1_1, s2_1 = s1_2 + s1_3;
  assign count = s2_0 + s2_1;
endmodule
