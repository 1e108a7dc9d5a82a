/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cycle-model.c: the kernel's loop structure (bs-kernel.c), counted in closed form.
 *
 *   bconv    Ho·Wo·G·(k²·⌈⌈Cin/48⌉/L⌉ + D_bconv)   the tap × lane loop per pixel and group
 *   qconv    Ho·Wo·G·(k²·⌈Cin/M⌉ + D_qconv)        the tap × MAC-slice loop per pixel and group
 *   avgpool  Ho·Wo·G·(k² + D_vector)               the window loop per pixel and group
 *   global   G·(H·W + D_vector)                    the pixel loop per group
 *   others   Ho·Wo·G + D_vector                    pixel × group, one flattened pipeline
 *
 * with G = ⌈Cout/P⌉ channel groups, plus BS_KERNEL_LAYER_OVERHEAD per layer. Conv
 * loops are not flattened across pixels because the emit step after each group
 * breaks the perfect nest, so their pipeline depth is paid per pixel and group.
 */
#include "bs-cycle-model.h"

static uint64_t
ceil_div (uint64_t a, uint64_t b)
{
  return (a + b - 1) / b;
}

BsKernelParams
bs_kernel_params_default (void)
{
  BsKernelParams params = { BS_KERNEL_PE, BS_KERNEL_XNOR_LANES, BS_KERNEL_MACS };

  return params;
}

uint64_t
bs_cycle_model_layer (const uint32_t *d, const BsKernelParams *params)
{
  uint64_t pixels = (uint64_t) d[BS_DESC_OUT_H] * d[BS_DESC_OUT_W];
  uint64_t groups = ceil_div (d[BS_DESC_OUT_C], params->pe);
  uint64_t kk = (uint64_t) d[BS_DESC_KERNEL] * d[BS_DESC_KERNEL];
  uint64_t cin = d[BS_DESC_IN_C];
  uint64_t cycles;

  switch (d[BS_DESC_OP])
    {
    case BS_KOP_BCONV:
      cycles = pixels * groups
               * (kk * ceil_div (ceil_div (cin, BS_KERNEL_LANE_BITS), params->xnor_lanes)
                  + BS_KERNEL_DEPTH_BCONV);
      break;
    case BS_KOP_QCONV:
      cycles = pixels * groups * (kk * ceil_div (cin, params->macs) + BS_KERNEL_DEPTH_QCONV);
      break;
    case BS_KOP_AVGPOOL:
      cycles = pixels * groups * (kk + BS_KERNEL_DEPTH_VECTOR);
      break;
    case BS_KOP_GLOBAL_AVGPOOL:
      cycles = groups * ((uint64_t) d[BS_DESC_IN_H] * d[BS_DESC_IN_W] + BS_KERNEL_DEPTH_VECTOR);
      break;
    default:
      cycles = pixels * groups + BS_KERNEL_DEPTH_VECTOR;
      break;
    }
  return BS_KERNEL_LAYER_OVERHEAD + cycles;
}

uint64_t
bs_cycle_model_range (const uint32_t *table, uint32_t first, uint32_t count)
{
  BsKernelParams params = { table[BS_DESC_H_PE], table[BS_DESC_H_XNOR_LANES], table[BS_DESC_H_MACS] };
  uint64_t total = 0;

  for (uint32_t i = first; i < first + count; i++)
    total += bs_cycle_model_layer (table + BS_DESC_HEADER_WORDS + i * BS_DESC_WORDS, &params);
  return total;
}

uint64_t
bs_cycles_to_ns (uint64_t cycles, uint32_t clock_khz)
{
  /* cycles · 10^6 / kHz, without overflowing for any realistic count. */
  return (cycles / clock_khz) * 1000000u + ((cycles % clock_khz) * 1000000u + clock_khz / 2) / clock_khz;
}
