/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-accel-image.h: the compiler pass from a core plan to what the bs_blend kernel
 * reads (docs/accelerator.md): the layer descriptor table and the weight image, plus
 * the arena layout the host fills and reads. Also the host side of the profile
 * buffer. Used by the csim and XRT backends alike, so both send the same bytes.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "bs-events.h"
#include "bs-plan.h"
#include "kernel/bs-cycle-model.h"
#include "kernel/bs-kernel-abi.h"

G_BEGIN_DECLS

typedef struct
{
  int n_layers;              /* one per plan op, in the same order */

  uint32_t *desc;            /* header + n_layers descriptors (bs-kernel-abi.h) */
  gsize desc_bytes;

  uint64_t *weights;         /* tiled weights, per-channel parameters, thresholds */
  gsize weight_bytes;        /* a multiple of 64 */

  /* The arena: the plan's activation arena at offset 0 (its buffers at the plan's
   * offsets), then the CHW uint8 input image. */
  gsize arena_bytes;         /* a multiple of 64 */
  gsize input_offset;
  gsize input_bytes;
  gsize output_offset;       /* the plan's output buffer (the logits, HWC) */
  gsize output_bytes;

  gsize profile_bytes;       /* header + one record per layer */

  /* The parameters the image is tiled for (the kernel's, bs-kernel-abi.h). */
  uint32_t pe, xnor_lanes, macs;
} BsAccelImage;

/* Errors: G_IO_ERROR_NOT_SUPPORTED when the plan exceeds what the kernel can address
 * (32-bit offsets, BS_KERNEL_MAX_* bounds). */
BsAccelImage *bs_accel_image_build (const BsPlan *plan, GError **error);
/* The same, tiled for other kernel parameters (a kernel built with them, e.g. one of
 * the csim backend's variants, accel/csim/bs-csim-variants.h). PE must divide 64 and
 * lanes and MACs be positive. */
BsAccelImage *bs_accel_image_build_for (const BsPlan *plan, const BsKernelParams *params,
                                        GError **error);
void bs_accel_image_free (BsAccelImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsAccelImage, bs_accel_image_free)

/* Descriptor of layer i. */
static inline const uint32_t *
bs_accel_image_layer (const BsAccelImage *image, int i)
{
  return image->desc + BS_DESC_HEADER_WORDS + (gsize) i * BS_DESC_WORDS;
}

/* The kernel op code of a plan op kind. */
uint32_t bs_accel_op_code (BsPlanOpKind kind);

/* The profile buffer, host side */

/* Clears the header so that a launch that never reaches the kernel is not read as
 * the previous one. */
void bs_accel_profile_clear (uint64_t *profile);

/* Checks that the kernel ran layers [first, first + count) successfully: magic,
 * status and the echoed range. Errors name the failing layer (with the plan's op
 * name) and the reason; G_IO_ERROR_FAILED. *counter is set to whether the counters
 * come from a hardware counter (else they are the kernel's modelled tally) and
 * *clock_khz to the clock the kernel reports. */
gboolean bs_accel_profile_check (const uint64_t *profile, const BsPlan *plan, uint32_t first,
                                 uint32_t count, gboolean *counter, uint32_t *clock_khz,
                                 GError **error);

/* Cycles the profile records for layer i (end − start). */
uint64_t bs_accel_profile_cycles (const uint64_t *profile, int i);

/* Events for layers [first, first + count) from the profile's counters: the launch
 * began at t0_ns on the host clock and the counters run at clock_khz. */
void bs_accel_profile_events (const uint64_t *profile, uint32_t first, uint32_t count,
                              int64_t t0_ns, uint32_t clock_khz, BsClockSource source,
                              int32_t inference, BsLayerEvent *events);

G_END_DECLS
