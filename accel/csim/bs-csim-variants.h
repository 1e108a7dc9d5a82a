/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-csim-variants.h: the bs_blend kernel builds the csim backend can run, one per
 * set of kernel parameters (accel/meson.build lists them; the parameters are
 * compile-time constants of the kernel, as in an FPGA build). */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "kernel/bs-cycle-model.h"

G_BEGIN_DECLS

typedef void (*BsKernelFunc) (const uint32_t *desc, const uint64_t *weights, uint64_t *arena,
                              uint64_t *profile, uint32_t first, uint32_t count);

typedef struct
{
  BsKernelParams params;
  BsKernelFunc run;        /* bs_blend built with these parameters */
} BsCsimVariant;

/* Every variant, in the order accel/meson.build lists them. */
const BsCsimVariant *bs_csim_variants (gsize *n_variants);

/* The variant built with exactly these parameters, or NULL. */
const BsCsimVariant *bs_csim_variant_find (const BsKernelParams *params);

/* "pe=16,lanes=2,macs=8 ..." for error messages. Free with g_free. */
char *bs_csim_variants_describe (void);

G_END_DECLS
