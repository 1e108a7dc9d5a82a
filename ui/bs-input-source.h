/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-input-source.h: the images a run classifies, and their labels when known.
 *
 * The user picks one of: the bundled gallery (Fashion-MNIST test images with labels,
 * data/gallery), a PNG file (one image), or an .npy array of images, with labels from
 * NAME-labels.npy beside NAME.npy when that file exists (bs-labels.h). The default (no
 * path) is the gallery when it fits the model, else the bundled sample inputs when they
 * fit, else seeded random images: the app can always run. */
#pragma once

#include "bs-image.h"
#include "bs-model.h"

G_BEGIN_DECLS

typedef struct
{
  char *path;              /* NULL: the default */
  BsImageBatch *images;
  int32_t *labels;         /* images->n_images classes, or NULL when unknown */
  char *description;       /* "gallery · 200 Fashion-MNIST test images, labelled" */
} BsInputSource;

/* A path that is not readable, not the model's input shape, or whose labels file is
 * bad, is an error (BS_INPUT_ERROR and the file errors) naming the file; nothing is
 * kept. */
BsInputSource *bs_input_source_load (const char *path, const BsModel *model, GError **error);
BsInputSource *bs_input_source_load_default (const BsModel *model);
void bs_input_source_free (BsInputSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsInputSource, bs_input_source_free)

G_END_DECLS
