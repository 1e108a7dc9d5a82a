/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-image.h: batches of uint8 CHW input images, from PNG, .npy or a seeded generator. */
#pragma once

#include "bs-model.h"

G_BEGIN_DECLS

#define BS_INPUT_ERROR (bs_input_error_quark ())
GQuark bs_input_error_quark (void);

typedef enum
{
  BS_INPUT_ERROR_FORMAT,   /* not a PNG or .npy we can read */
  BS_INPUT_ERROR_SHAPE,    /* readable, but not the shape the model takes */
  BS_INPUT_ERROR_TOO_LARGE, /* over the input budget (bs-budget.h) */
} BsInputError;

typedef struct
{
  BsShape shape;           /* of one image */
  int n_images;
  uint8_t *pixels;         /* n_images * C * H * W, CHW per image */
} BsImageBatch;

/* PNG (one image, converted to the model's channel count) or .npy (uint8, (C,H,W) or
 * (N,C,H,W)); the shape must be the model's input shape. */
BsImageBatch *bs_image_batch_load (const char *path, BsShape expected, GError **error);
/* The same from bytes in memory; the suffix of name (.png, .npy) picks the format, and
 * name starts every error message. */
BsImageBatch *bs_image_batch_decode (const uint8_t *bytes, gsize n_bytes, const char *name,
                                     BsShape expected, GError **error);
BsImageBatch *bs_image_batch_random (BsShape shape, int n_images, guint32 seed);
void bs_image_batch_free (BsImageBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsImageBatch, bs_image_batch_free)

static inline const uint8_t *
bs_image_batch_image (const BsImageBatch *batch, int i)
{
  return batch->pixels + (gsize) i * batch->shape.c * batch->shape.h * batch->shape.w;
}

G_END_DECLS
