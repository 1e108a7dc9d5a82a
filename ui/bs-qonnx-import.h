/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-qonnx-import.h: opening a QONNX (.onnx) file runs tools/blendscope-import in a
 * subprocess; the .bsm it writes (in the user's cache) is then opened like any model. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *bsm_path;   /* the imported model, in $XDG_CACHE_HOME/blendscope/imported/ */
  char *report;     /* the importer's report (stdout): what was mapped, what approximated */
} BsQonnxImport;

void bs_qonnx_import_free (BsQonnxImport *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsQonnxImport, bs_qonnx_import_free)

gboolean bs_qonnx_is_onnx_path (const char *path);

/* Runs the importer on `onnx_path`. The error of a refused or malformed file is the
 * importer's one-line reason (node, op, why). */
void bs_qonnx_import_async (const char *onnx_path, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
BsQonnxImport *bs_qonnx_import_finish (GAsyncResult *result, GError **error);

G_END_DECLS
