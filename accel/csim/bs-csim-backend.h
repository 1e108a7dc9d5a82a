/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-csim-backend.h: the csim backend: the accelerator kernel (accel/kernel/) run on
 * the host, C-simulation style. Outputs are bit-identical to the reference
 * interpreter; per-layer times are the kernel's modelled cycles at the chosen clock,
 * reported as BS_CLOCK_MODELLED, never as measured.
 *
 * Options: clock=MHZ (default BS_KERNEL_CLOCK_KHZ / 1000), launch=inference|layer
 * (one kernel launch per inference, the default, or one per layer; results and
 * modelled times are the same either way), pe=N,lanes=N,macs=N (the kernel's
 * parameters, default BS_KERNEL_PE, _XNOR_LANES, _MACS: one of the kernel builds
 * bs-csim-variants.h lists).
 */
#pragma once

#include "bs-backend.h"
#include "bs-accel-image.h"

G_BEGIN_DECLS

extern const BsBackendClass bs_csim_backend_class;

uint32_t bs_csim_backend_get_clock_khz (BsBackend *backend);

/* The image the backend runs (NULL before prepare). */
const BsAccelImage *bs_csim_backend_get_image (BsBackend *backend);

/* Modelled cycles of op `op` in the last inference run (0 before any). */
uint64_t bs_csim_backend_get_cycles (BsBackend *backend, int op);

/* Debugging and tests: called during run after each op with the op's output buffer
 * (valid only during the call). Setting a hook makes the backend launch the kernel
 * once per layer. NULL to remove. */
typedef void (*BsCsimOpHook) (int op, const void *output, gpointer user_data);
void bs_csim_backend_set_op_hook (BsBackend *backend, BsCsimOpHook hook, gpointer user_data);

G_END_DECLS
