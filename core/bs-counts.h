/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-counts.h: operation, parameter and activation counts per layer, from the model
 * IR alone (before any compiler folding). The rules are docs/model-format.md,
 * section 8; every view that shows a count derives it from here.
 */
#pragma once

#include <stdint.h>

#include "bs-model.h"

G_BEGIN_DECLS

/* Width of a fixed-point MAC: max(wbits, input activation bits). */
enum
{
  BS_MAC_W4,
  BS_MAC_W8,
  BS_MAC_W16,
  BS_MAC_W32,
  BS_N_MAC_WIDTHS
};

typedef struct
{
  uint64_t binary_macs;                   /* XNOR-popcount MACs, nominal: padded taps count */
  uint64_t fixed_macs[BS_N_MAC_WIDTHS];   /* nominal, by width */
  uint64_t other_ops;                     /* quantise, compare, add, requantise, pool sums */
  uint64_t param_bits;                    /* stored parameter bits */
  uint64_t activation_bytes;              /* output tensor bytes */
} BsCounts;

/* All of these need a validated model (bs_model_validate()): they read the derived
 * shapes and types. */
void bs_layer_counts (const BsModel *model, int layer, BsCounts *out);
void bs_model_counts (const BsModel *model, BsCounts *total);
/* Sums over the layers tagged precision=binary and precision=fixed. Layers tagged
 * float are in neither, so binary + fixed is less than the total when there are any.
 * Either pointer may be NULL. */
void bs_model_counts_by_precision (const BsModel *model, BsCounts *binary, BsCounts *fixed);

/* The sum over all widths. */
uint64_t bs_counts_fixed_macs (const BsCounts *c);
/* "w4", "w8", "w16", "w32". */
const char *bs_mac_width_to_string (int width_index);

G_END_DECLS
