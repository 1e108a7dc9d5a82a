/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-float-model.c: hand images to blendtorch.predict in a temporary folder, read back
 * its predictions. The Python side owns everything about checkpoints and float models;
 * this side only moves arrays and reports. */
#include "bs-float-model.h"
#include "bs-npy.h"

#include <glib/gstdio.h>
#include <string.h>

/* blendtorch.predict's exit status when PyTorch cannot be imported. */
#define PREDICT_NO_TORCH 3

static const char *
python3 (void)
{
  const char *env = g_getenv ("BS_PYTHON3");

  return env != NULL && *env != '\0' ? env : BS_PYTHON3;
}

/* $BS_TOOLS_DIR, else the source tree's tools/ when it is there (a build-tree run). */
static const char *
tools_dir (void)
{
  const char *env = g_getenv ("BS_TOOLS_DIR");

  if (env != NULL && *env != '\0')
    return env;
  if (g_file_test (BS_SOURCE_TOOLS_DIR "/blendtorch/predict.py", G_FILE_TEST_EXISTS))
    return BS_SOURCE_TOOLS_DIR;
  return NULL;
}

static GSubprocessLauncher *
launcher_new (void)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                             | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  const char *tools = tools_dir ();

  if (tools != NULL)
    {
      const char *old = g_getenv ("PYTHONPATH");
      g_autofree char *path = old != NULL && *old != '\0'
                                ? g_strconcat (tools, G_SEARCHPATH_SEPARATOR_S, old, NULL)
                                : g_strdup (tools);
      g_subprocess_launcher_setenv (launcher, "PYTHONPATH", path, TRUE);
    }
  g_subprocess_launcher_setenv (launcher, "PYTHONDONTWRITEBYTECODE", "1", TRUE);
  return launcher;
}

/* The last non-empty line of the child's stderr: its error message. */
static char *
last_line (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    if (*g_strstrip (lines[i]) != '\0')
      return g_strdup (lines[i]);
  return g_strdup ("no message");
}

static gboolean
run_predict (const char *checkpoint, const char *model_path, const char *images_npy,
             const char *out_npy, GCancellable *cancellable, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = launcher_new ();
  g_autoptr (GSubprocess) child = NULL;
  g_autofree char *err = NULL;
  g_autofree char *message = NULL;

  child = g_subprocess_launcher_spawn (launcher, error, python3 (), "-m", "blendtorch.predict",
                                       "--checkpoint", checkpoint, "--model", model_path,
                                       "--images", images_npy, "--out", out_npy, NULL);
  if (child == NULL)
    {
      g_prefix_error (error, "--checkpoint: cannot start %s (the float model runs in "
                      "Python): ", python3 ());
      return FALSE;
    }
  if (!g_subprocess_communicate_utf8 (child, NULL, cancellable, NULL, &err, error))
    return FALSE;
  if (g_subprocess_get_if_exited (child) && g_subprocess_get_exit_status (child) == 0)
    return TRUE;
  message = last_line (err);
  g_set_error (error, G_IO_ERROR,
               g_subprocess_get_if_exited (child)
                 && g_subprocess_get_exit_status (child) == PREDICT_NO_TORCH
                 ? G_IO_ERROR_NOT_SUPPORTED : G_IO_ERROR_FAILED,
               "--checkpoint: the float model did not run: %s", message);
  return FALSE;
}

static int32_t *
read_predictions (const char *path, int n_images, GError **error)
{
  BsNpyArray a;

  if (!bs_npy_read (path, &a, error))
    return NULL;
  if (a.type != BS_NPY_I32 || a.n_dims != 1 || a.dims[0] != n_images)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "--checkpoint: blendtorch.predict wrote no int32 (%d,) predictions",
                   n_images);
      bs_npy_array_clear (&a);
      return NULL;
    }
  return a.data;
}

int32_t *
bs_float_model_predict (const char *checkpoint, const char *model_path,
                        const BsImageBatch *images, int n_images, GCancellable *cancellable,
                        GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("blendscope-predict-XXXXXX", error);
  g_autofree char *images_npy = NULL;
  g_autofree char *out_npy = NULL;
  int64_t dims[4] = { n_images, images->shape.c, images->shape.h, images->shape.w };
  int32_t *predictions = NULL;

  if (dir == NULL)
    return NULL;
  images_npy = g_build_filename (dir, "images.npy", NULL);
  out_npy = g_build_filename (dir, "predictions.npy", NULL);
  if (bs_npy_write (images_npy, BS_NPY_U8, 4, dims, images->pixels, error)
      && run_predict (checkpoint, model_path, images_npy, out_npy, cancellable, error))
    predictions = read_predictions (out_npy, n_images, error);
  g_remove (images_npy);
  g_remove (out_npy);
  g_rmdir (dir);
  return predictions;
}
