/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-bundled.h: the reference models shipped in data/models, found installed or, for a
 * run from the build tree, in the source tree. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* $BLENDSCOPE_MODELS_DIR, else the installed folder, else the source tree's; NULL if
 * none exists. */
char *bs_bundled_models_dir (void);
/* Names ("blendnet20", ...) of the .bsm files there, the default model first. */
GStrv bs_bundled_models_list (void);
/* The model the app starts on: fmnist-blendnet (trained on Fashion-MNIST) if bundled,
 * else blendnet20; NULL if neither is. */
char *bs_bundled_default_model_path (void);
/* The file of a bundled model, or NULL. */
char *bs_bundled_model_path (const char *name);
/* The bundled sample inputs (sample-inputs.npy), or NULL. */
char *bs_bundled_inputs_path (void);
/* The gallery of Fashion-MNIST test images (data/gallery, beside the models folder;
 * labels in fashion-mnist-test-labels.npy beside it), or NULL. */
char *bs_bundled_gallery_path (void);

G_END_DECLS
