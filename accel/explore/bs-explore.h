/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-explore.h: design-space search over the bs_blend kernel's parameters for one
 * plan and board (XPert-style co-search, hardware side only): every kernel build the
 * csim backend has (bs-csim-variants.h) × XNOR on DSPs or LUTs × each clock asked
 * for. Latency is MODELLED (the cycle model, bs-cycle-model.h, at the clock);
 * resources are ESTIMATED (bs-resource-model.h). Neither is measured. */
#pragma once

#include "bs-boards.h"
#include "bs-plan.h"
#include "bs-resource-model.h"

G_BEGIN_DECLS

typedef struct
{
  BsKernelParams params;
  BsXnorUnit xnor;
  uint32_t clock_khz;
  uint64_t cycles;         /* modelled, one inference */
  uint64_t latency_ns;     /* modelled: cycles at clock_khz */
  BsResources resources;   /* estimated, the PE array */
  gboolean fits;           /* within the board's totals */
  gboolean on_front;       /* fits, and no fitting point is faster and no bigger */
} BsExplorePoint;

/* Every point, fitting or not; the front among those that fit. clocks_khz: n_clocks
 * clocks (the clock is swept as asked: whether a build closes timing there is what
 * only Vivado tells). Returns a GArray of BsExplorePoint, or NULL with error when the
 * plan cannot be compiled for the kernel. */
GArray *bs_explore (const BsPlan *plan, const BsBoard *board, const uint32_t *clocks_khz,
                    gsize n_clocks, GError **error);

/* "csim:pe=16,lanes=2,macs=8,clock=200": the backend spec that runs a point. Free
 * with g_free. */
char *bs_explore_point_spec (const BsExplorePoint *point);

G_END_DECLS
