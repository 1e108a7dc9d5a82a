/* bs-bundled.h: the reference models shipped in data/models, found installed or, for a
 * run from the build tree, in the source tree. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* $BLENDSCOPE_MODELS_DIR, else the installed folder, else the source tree's; NULL if
 * none exists. */
char *bs_bundled_models_dir (void);
/* Names ("blendnet20", ...) of the .bsm files there, BlendNet-20 first. */
GStrv bs_bundled_models_list (void);
/* The file of a bundled model, or NULL. */
char *bs_bundled_model_path (const char *name);
/* The bundled sample inputs (sample-inputs.npy), or NULL. */
char *bs_bundled_inputs_path (void);

G_END_DECLS
