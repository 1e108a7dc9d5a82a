/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-bundled.c: where the bundled models are. */
#include "bs-bundled.h"

#include <string.h>

#ifndef BS_INSTALLED_MODELS_DIR
#define BS_INSTALLED_MODELS_DIR "/usr/local/share/blendscope/models"
#endif
#ifndef BS_SOURCE_MODELS_DIR
#define BS_SOURCE_MODELS_DIR ""
#endif

char *
bs_bundled_models_dir (void)
{
  const char *candidates[] = { g_getenv ("BLENDSCOPE_MODELS_DIR"), BS_INSTALLED_MODELS_DIR,
                               BS_SOURCE_MODELS_DIR };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (candidates[i] != NULL && *candidates[i] != '\0'
        && g_file_test (candidates[i], G_FILE_TEST_IS_DIR))
      return g_strdup (candidates[i]);
  return NULL;
}

/* The one rule for the model the app starts on and lists first: the trained
 * Fashion-MNIST BlendNet when it is bundled (it classifies the gallery), else the
 * untrained reference BlendNet-20. Lower ranks come first. */
static const char *const flagship_order[] = { "fmnist-blendnet", "blendnet20" };

static int
flagship_rank (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (flagship_order); i++)
    if (g_str_equal (name, flagship_order[i]))
      return (int) i;
  return G_N_ELEMENTS (flagship_order);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  const char *x = *(char *const *) a, *y = *(char *const *) b;
  int rx = flagship_rank (x), ry = flagship_rank (y);

  /* The flagships first, then alphabetical. */
  return rx != ry ? rx - ry : g_strcmp0 (x, y);
}

char *
bs_bundled_default_model_path (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (flagship_order); i++)
    {
      char *path = bs_bundled_model_path (flagship_order[i]);
      if (path != NULL)
        return path;
    }
  return NULL;
}

GStrv
bs_bundled_models_list (void)
{
  g_autofree char *dir_path = bs_bundled_models_dir ();
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  GDir *dir = dir_path != NULL ? g_dir_open (dir_path, 0, NULL) : NULL;
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".bsm"))
      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - 4));
  if (dir != NULL)
    g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

char *
bs_bundled_model_path (const char *name)
{
  g_autofree char *dir = bs_bundled_models_dir ();
  g_autofree char *file = g_strconcat (name, ".bsm", NULL);
  char *path;

  if (dir == NULL || strchr (name, '/') != NULL)
    return NULL;
  path = g_build_filename (dir, file, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_clear_pointer (&path, g_free);
  return path;
}

char *
bs_bundled_inputs_path (void)
{
  g_autofree char *dir = bs_bundled_models_dir ();
  char *path = dir != NULL ? g_build_filename (dir, "sample-inputs.npy", NULL) : NULL;

  if (path != NULL && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_clear_pointer (&path, g_free);
  return path;
}

char *
bs_bundled_gallery_path (void)
{
  g_autofree char *models = bs_bundled_models_dir ();
  g_autofree char *parent = models != NULL ? g_path_get_dirname (models) : NULL;
  char *path;

  /* Beside the models folder: data/gallery in the source tree, share/blendscope/gallery
   * installed (data/meson.build). */
  if (parent == NULL)
    return NULL;
  path = g_build_filename (parent, "gallery", "fashion-mnist-test.npy", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_clear_pointer (&path, g_free);
  return path;
}
