/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-cycle-model.h: the bs_blend kernel's cycles per layer, in closed form.
 *
 * In the spirit of FINN's per-layer estimates: the count follows from the loop
 * structure of bs-kernel.c and the kernel's parameters, assuming every pipelined
 * loop runs at II = 1 and memory keeps up (docs/accelerator.md, "Cycle model", states
 * the formulas and what they leave out). Plain C, no GLib.
 */
#pragma once

#include <stdint.h>

#include "bs-kernel-abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct
{
  uint32_t pe;           /* output channels in parallel */
  uint32_t xnor_lanes;   /* 48-bit XNOR lanes per PE */
  uint32_t macs;         /* MAC units per PE */
} BsKernelParams;

/* The parameters the kernel is built with (bs-kernel-abi.h). */
BsKernelParams bs_kernel_params_default (void);

/* Cycles of one layer from its descriptor (BS_DESC_WORDS words), including the
 * per-layer overhead: the figure the kernel writes to its profile when it has no
 * hardware counter. */
uint64_t bs_cycle_model_layer (const uint32_t *layer, const BsKernelParams *params);

/* Cycles of layers [first, first + count) of a descriptor table, with the
 * parameters recorded in its header. */
uint64_t bs_cycle_model_range (const uint32_t *table, uint32_t first, uint32_t count);

/* Nanoseconds for a number of cycles at clock_khz, rounded to nearest. */
uint64_t bs_cycles_to_ns (uint64_t cycles, uint32_t clock_khz);

#ifdef __cplusplus
}
#endif
