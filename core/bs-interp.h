/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-interp.h: the reference interpreter. Plain scalar code that follows
 * docs/model-format.md, section 5, literally; it is the oracle every backend is
 * checked against, so it favours being obviously right over being fast.
 */
#pragma once

#include <stdint.h>

#include "bs-model.h"

G_BEGIN_DECLS

typedef struct _BsInterp BsInterp;

/* The model must have passed bs_model_validate() (the derived shapes and types are
 * used as they are) and must outlive the interpreter. Allocates every buffer once. */
BsInterp *bs_interp_new (const BsModel *model);
void bs_interp_free (BsInterp *interp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsInterp, bs_interp_free)

/* image: one uint8 CHW image of the model's input_shape. logits: NULL, or room for the last
 * layer's C·H·W int32 values. layer_ns: NULL, or room for one duration per layer in
 * CLOCK_MONOTONIC nanoseconds. */
void bs_interp_run (BsInterp *interp, const uint8_t *image, int32_t *logits,
                    int64_t *layer_ns);

/* The output of layer `layer` from the last run: CHW, int32, bits as +1/-1. Owned by
 * the interpreter; overwritten by the next run. */
const int32_t *bs_interp_layer_output (BsInterp *interp, int layer);

G_END_DECLS
