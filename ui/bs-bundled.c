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

static int
compare_names (gconstpointer a, gconstpointer b)
{
  const char *x = *(char *const *) a, *y = *(char *const *) b;
  /* The flagship first, then alphabetical. */
  int rx = g_str_equal (x, "blendnet20") ? 0 : 1, ry = g_str_equal (y, "blendnet20") ? 0 : 1;

  return rx != ry ? rx - ry : g_strcmp0 (x, y);
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
