/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-qonnx-import.c: runs tools/blendscope-import (Python, docs/import.md) on a .onnx file.
 *
 * The importer is found as $BLENDSCOPE_IMPORTER, then in the source tree (a build-tree
 * run), then as `blendscope-import` on PATH (pip install ./tools). It writes the .bsm
 * into the user's cache, so that opening a QONNX file never writes next to it. */
#include "bs-qonnx-import.h"

#include <errno.h>
#include <string.h>

#ifndef BS_SOURCE_TOOLS_DIR
#define BS_SOURCE_TOOLS_DIR ""
#endif

#define ERROR_PREFIX "blendscope-import: error: "

void
bs_qonnx_import_free (BsQonnxImport *result)
{
  if (result == NULL)
    return;
  g_free (result->bsm_path);
  g_free (result->report);
  g_free (result);
}

gboolean
bs_qonnx_is_onnx_path (const char *path)
{
  gsize n = path != NULL ? strlen (path) : 0;

  return n > 5 && g_ascii_strcasecmp (path + n - 5, ".onnx") == 0;
}

static char *
find_importer (void)
{
  const char *env = g_getenv ("BLENDSCOPE_IMPORTER");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (*BS_SOURCE_TOOLS_DIR != '\0')
    {
      char *path = g_build_filename (BS_SOURCE_TOOLS_DIR, "blendscope-import", NULL);

      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return path;
      g_free (path);
    }
  return g_find_program_in_path ("blendscope-import");
}

static char *
output_path (const char *onnx_path, GError **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "blendscope", "imported", NULL);
  g_autofree char *base = g_path_get_basename (onnx_path);
  g_autofree char *file = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  base[strlen (base) - 5] = '\0';   /* drop ".onnx" */
  file = g_strconcat (base, ".bsm", NULL);
  return g_build_filename (dir, file, NULL);
}

/* The importer's reason: its last non-empty stderr line without the program prefix. */
static char *
failure_reason (const char *err, GSubprocess *proc)
{
  g_auto (GStrv) lines = g_strsplit (err != NULL ? err : "", "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      const char *line = g_strstrip (lines[i]);

      if (*line != '\0')
        return g_strdup (g_str_has_prefix (line, ERROR_PREFIX) ? line + strlen (ERROR_PREFIX) : line);
    }
  if (g_subprocess_get_if_exited (proc))
    return g_strdup_printf ("the importer failed with exit status %d", g_subprocess_get_exit_status (proc));
  return g_strdup ("the importer was killed");
}

static void
on_communicated (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GTask) task = data;
  g_autoptr (GSubprocess) proc = G_SUBPROCESS (source);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GError *error = NULL;
  BsQonnxImport *result;

  if (!g_subprocess_communicate_utf8_finish (proc, res, &out, &err, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!g_subprocess_get_successful (proc))
    {
      g_autofree char *reason = failure_reason (err, proc);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", reason);
      return;
    }
  result = g_new0 (BsQonnxImport, 1);
  result->bsm_path = g_strdup (g_task_get_task_data (task));
  result->report = g_strdup (g_strstrip (out));
  g_task_return_pointer (task, result, (GDestroyNotify) bs_qonnx_import_free);
}

void
bs_qonnx_import_async (const char *onnx_path, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *importer = find_importer ();
  g_autofree char *out = NULL;
  GSubprocess *proc;
  GError *error = NULL;

  if (importer == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "blendscope-import was not found (install tools/ with pip, or set "
                               "BLENDSCOPE_IMPORTER)");
      return;
    }
  out = output_path (onnx_path, &error);
  if (out == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           importer, onnx_path, "-o", out, NULL);
  if (proc == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, g_steal_pointer (&out), g_free);
  /* proc and task are released in on_communicated */
  g_subprocess_communicate_utf8_async (proc, NULL, cancellable, on_communicated, g_steal_pointer (&task));
}

BsQonnxImport *
bs_qonnx_import_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
