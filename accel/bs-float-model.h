/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-float-model.h: the float PyTorch model a checkpoint holds, run by spawning
 * tools/blendtorch (`python3 -m blendtorch.predict`): its predicted classes, to measure
 * how often the integer model agrees with the network it was exported from. */
#pragma once

#include "bs-image.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* Predicted classes (n_images of them, g_free) of the float model in checkpoint on the
 * first n_images of images. model_path is the exported .bsm, whose provenance names the
 * architecture when the checkpoint does not. The interpreter is $BS_PYTHON3 or the
 * build's python3; blendtorch is found on $BS_TOOLS_DIR, the source tree's tools/, or
 * the interpreter's own path (pip install ./tools). Errors carry the Python side's
 * message; PyTorch missing is G_IO_ERROR_NOT_SUPPORTED naming python3-torch. */
int32_t *bs_float_model_predict (const char *checkpoint, const char *model_path,
                                 const BsImageBatch *images, int n_images,
                                 GCancellable *cancellable, GError **error);

G_END_DECLS
