/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-kernel.h: the bs_blend accelerator kernel (bs-kernel.c). Plain C, no GLib. */
#pragma once

#include <stdint.h>

#include "bs-kernel-abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs layers [first, first + count) of the descriptor table desc on the weight image
 * and the activation arena, and writes the profile buffer (bs-kernel-abi.h). The top
 * function of the FPGA kernel; the csim backend calls it directly. */
void bs_blend (const uint32_t *desc, const uint64_t *weights, uint64_t *arena,
               uint64_t *profile, uint32_t first, uint32_t count);

#ifdef __cplusplus
}
#endif
