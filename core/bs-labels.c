/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-labels.c: reading the labels of an image batch. */
#include "bs-labels.h"

#include "bs-image.h"
#include "bs-npy.h"

#include <string.h>

char *
bs_labels_path_for (const char *images_path)
{
  gsize n = strlen (images_path);

  if (n < 4 || g_ascii_strcasecmp (images_path + n - 4, ".npy") != 0)
    return NULL;
  return g_strdup_printf ("%.*s-labels.npy", (int) (n - 4), images_path);
}

static int64_t
label_at (const BsNpyArray *array, uint64_t i)
{
  return array->type == BS_NPY_U8 ? ((const uint8_t *) array->data)[i]
                                  : ((const int32_t *) array->data)[i];
}

static gboolean
check_shape (const BsNpyArray *array, const char *what, int n_images, GError **error)
{
  if (array->n_dims != 1 || array->dims[0] != n_images)
    {
      g_autofree char *shape = array->n_dims == 1
        ? g_strdup_printf ("%" G_GINT64_FORMAT " labels", array->dims[0])
        : g_strdup_printf ("a %d-dimensional array", array->n_dims);
      g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE,
                   "%s: %s for %d images (want a 1-D array of one class per image)",
                   what, shape, n_images);
      return FALSE;
    }
  return TRUE;
}

int32_t *
bs_labels_load (const char *path, int n_images, int n_classes, GError **error)
{
  g_autofree char *what = g_filename_display_name (path);
  BsNpyArray array;
  int32_t *labels;

  if (!bs_npy_read (path, &array, error))
    return NULL;
  if (!check_shape (&array, what, n_images, error))
    {
      bs_npy_array_clear (&array);
      return NULL;
    }
  labels = g_new (int32_t, MAX (n_images, 1));
  for (int i = 0; i < n_images; i++)
    {
      int64_t v = label_at (&array, (uint64_t) i);

      if (v < 0 || (n_classes > 0 && v >= n_classes))
        {
          g_set_error (error, BS_INPUT_ERROR, BS_INPUT_ERROR_SHAPE,
                       "%s: label %" G_GINT64_FORMAT " of image %d is not a class of the "
                       "model (0 … %d)", what, v, i, n_classes - 1);
          g_free (labels);
          bs_npy_array_clear (&array);
          return NULL;
        }
      labels[i] = (int32_t) v;
    }
  bs_npy_array_clear (&array);
  return labels;
}
